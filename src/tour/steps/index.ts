/**
 * The tour's steps: every tutorial program, in tutorial order, each run
 * against loopback stand-ins with checks of what the tutorial says it
 * does. One file per tutorial.
 *
 * @module
 */

import type { TourStep } from '../step-tools.js';
import { TUTORIAL_000 } from './000-fetch.js';
import { TUTORIAL_001 } from './001-sockets.js';
import { TUTORIAL_002 } from './002-names.js';
import { TUTORIAL_003 } from './003-servers.js';
import { TUTORIAL_004 } from './004-echo.js';

export const STEPS: TourStep[] = [
  ...TUTORIAL_000,
  ...TUTORIAL_001,
  ...TUTORIAL_002,
  ...TUTORIAL_003,
  ...TUTORIAL_004,
];

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AnySockitError,
  ConnectionRefusedError,
  FrameTooLongError,
  fromNodeError,
  HttpParseError,
  isSockitError,
  NameResolutionError,
  SocketError,
  SocketTimeoutError,
  SockitError,
  type SockitErrorCode,
} from './errors.js';

/** What a caller's switch looks like: it must compile against the code union and narrow. */
function describeFailure(error: AnySockitError): string {
  switch (error.code) {
    case 'SOCKETKIT_ERR_CONNECTION_REFUSED':
      // Narrowed to ConnectionRefusedError: errno is there.
      return `refused (errno ${error.errno})`;
    case 'SOCKETKIT_ERR_HTTP_PARSE':
      // Narrowed to HttpParseError: offset and status are there.
      return `bad HTTP at ${error.offset} (${error.status})`;
    // @ts-expect-error a misspelled code is not a SockitErrorCode, so it does not compile
    case 'SOCKETKIT_ERR_TIMOUT':
      return 'never';
    default:
      return error.code;
  }
}

describe('SockitError and its codes', () => {
  test('switch (error.code) narrows to the class that carries the code', () => {
    assert.equal(
      describeFailure(new ConnectionRefusedError('no', { errnoName: 'ECONNREFUSED' })),
      'refused (errno 111)',
    );
    assert.equal(describeFailure(new HttpParseError('Bad', 7, 400)), 'bad HTTP at 7 (400)');
  });

  test('isSockitError() narrows on a code, and is false for other errors and other codes', () => {
    const error: unknown = new SocketTimeoutError('late', { host: '127.0.0.1', port: 9 });
    assert.equal(isSockitError(new Error('x')), false);
    assert.equal(isSockitError(error, 'SOCKETKIT_ERR_CONNECTION_REFUSED'), false);
    if (!isSockitError(error, 'SOCKETKIT_ERR_TIMEOUT')) assert.fail('not narrowed');
    const timeout: SocketTimeoutError = error;
    assert.equal(timeout.port, 9);
    // @ts-expect-error a code outside the union is refused at compile time
    isSockitError(error, 'SOCKETKIT_ERR_NOPE');
  });

  test('OS-level failures are SocketErrors; framing and HTTP errors are SockitErrors beside them', () => {
    assert.ok(new NameResolutionError('x') instanceof SocketError);
    assert.ok(!(new FrameTooLongError('x', 2, 1) instanceof SocketError));
    assert.ok(new FrameTooLongError('x', 2, 1) instanceof SockitError);
    assert.ok(!(new HttpParseError('x', 0) instanceof SocketError));
    const codes: SockitErrorCode[] = [new HttpParseError('x', 0).code, new SocketError('x').code];
    assert.deepEqual(codes, ['SOCKETKIT_ERR_HTTP_PARSE', 'SOCKETKIT_ERR_SOCKET']);
  });

  test('fromNodeError() maps errno names to classes and passes SockitErrors through', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const mapped = fromNodeError(refused, { syscall: 'connect', host: '127.0.0.1', port: 1 });
    assert.ok(mapped instanceof ConnectionRefusedError);
    assert.equal(
      mapped.message,
      'Connection refused by 127.0.0.1 port 1 during connect (ECONNREFUSED)',
    );
    const ours = new FrameTooLongError('long', 2, 1);
    assert.equal(fromNodeError(ours), ours);
  });
});

/**
 * Well-known ports, for machines without /etc/services (containers, Windows).
 * Compiled by hand from IANA's Service Name and Transport Protocol Port
 * Number Registry; each entry is `name port protocols [aliases…]`.
 *
 * @module
 */

export const BUILTIN_SERVICES = `
tcpmux 1 tcp
echo 7 tcp,udp
discard 9 tcp,udp sink null
systat 11 tcp users
daytime 13 tcp,udp
netstat 15 tcp
qotd 17 tcp,udp quote
chargen 19 tcp,udp ttytst source
ftp-data 20 tcp
ftp 21 tcp
ssh 22 tcp
telnet 23 tcp
smtp 25 tcp mail
time 37 tcp,udp timserver
whois 43 tcp nicname
tacacs 49 tcp,udp
domain 53 tcp,udp
gopher 70 tcp
finger 79 tcp
http 80 tcp www
kerberos 88 tcp,udp kerberos5 krb5 kerberos-sec
pop3 110 tcp pop-3
sunrpc 111 tcp,udp portmapper
auth 113 tcp authentication tap ident
nntp 119 tcp readnews untp
ntp 123 udp
epmap 135 tcp,udp loc-srv
netbios-ns 137 udp
netbios-dgm 138 udp
netbios-ssn 139 tcp
imap2 143 tcp imap
snmp 161 tcp,udp
snmp-trap 162 tcp,udp snmptrap
bgp 179 tcp
irc 194 tcp
ldap 389 tcp,udp
https 443 tcp
microsoft-ds 445 tcp
submissions 465 tcp ssmtp smtps urd
syslog 514 udp
printer 515 tcp spooler
submission 587 tcp
ipp 631 tcp
ldaps 636 tcp,udp
rsync 873 tcp
ftps-data 989 tcp
ftps 990 tcp
telnets 992 tcp
imaps 993 tcp
pop3s 995 tcp
openvpn 1194 tcp,udp
ms-sql-s 1433 tcp
mysql 3306 tcp
postgresql 5432 tcp postgres
redis 6379 tcp
http-alt 8080 tcp webcache
`;

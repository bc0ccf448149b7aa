import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import t from 'tap';
import { createAccessTokens } from './access-tokens.js';

const secret = 'a-secret-of-at-least-thirty-two-characters';
const tokens = createAccessTokens(secret, 900);
const claims = { userId: randomUUID(), sessionId: randomUUID() };
const key = new TextEncoder().encode(secret);

const unauthenticated = { code: 'UNAUTHENTICATED' };

t.test('an issued token verifies back to its claims', async (t) => {
  t.same(await tokens.verify(await tokens.issue(claims)), claims);
});

t.test('a token verified once is refused once it expires, and its signature still counts', async (t) => {
  const shortLived = createAccessTokens(secret, 1);
  const token = await shortLived.issue(claims);
  t.same(await shortLived.verify(token), claims, 'valid while fresh');
  t.same(await shortLived.verify(token), claims, 'and again');
  // One character of the signature changed: not the token that was verified.
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  await t.rejects(
    shortLived.verify(`${token.slice(0, -2)}${last}${token.at(-1) ?? ''}`),
    unauthenticated,
    'a forged twin',
  );
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
  await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 10));
  await t.rejects(shortLived.verify(token), { code: 'UNAUTHENTICATED', message: /expired/ }, 'refused at its exp');
});

t.test('forged, expired, unsigned and misaddressed tokens are refused', async (t) => {
  const forged = await createAccessTokens('another-secret-of-at-least-thirty-two-chars', 900).issue(claims);
  await t.rejects(tokens.verify(forged), unauthenticated, 'signed with another secret');

  const expired = await new SignJWT({ roles: ['user'], sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer('mindflow')
    .setAudience('mindflow-api')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(key);
  await t.rejects(tokens.verify(expired), { code: 'UNAUTHENTICATED', message: /expired/ });

  const none = new UnsecuredJWT({ roles: ['admin'], sid: claims.sessionId })
    .setSubject(claims.userId)
    .setIssuer('mindflow')
    .setAudience('mindflow-api')
    .setExpirationTime('5m')
    .encode();
  await t.rejects(tokens.verify(none), unauthenticated, 'alg: none');

  const wrongAudience = await new SignJWT({ roles: ['user'], sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer('mindflow')
    .setAudience('someone-else')
    .setExpirationTime('5m')
    .sign(key);
  await t.rejects(tokens.verify(wrongAudience), unauthenticated, 'wrong audience');

  const otherAlgorithm = await new SignJWT({ roles: ['user'], sid: claims.sessionId })
    .setProtectedHeader({ alg: 'HS512' })
    .setSubject(claims.userId)
    .setIssuer('mindflow')
    .setAudience('mindflow-api')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret.repeat(2)));
  await t.rejects(tokens.verify(otherAlgorithm), unauthenticated, 'an algorithm other than the pinned one');

  const tampered = (await tokens.issue(claims)).split('.');
  const payload = JSON.parse(Buffer.from(tampered[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  tampered[1] = Buffer.from(JSON.stringify({ ...payload, sub: randomUUID() })).toString('base64url');
  await t.rejects(tokens.verify(tampered.join('.')), unauthenticated, 'payload changed after signing');
  await t.rejects(tokens.verify('not a token'), unauthenticated);
});

t.test('a token without exp, sub or sid is refused, however well signed', async (t) => {
  const signed = (
    build: (jwt: SignJWT) => SignJWT,
    body: Record<string, unknown> = { sid: claims.sessionId, roles: ['user'] },
  ) =>
    build(
      new SignJWT(body).setProtectedHeader({ alg: 'HS256' }).setIssuer('mindflow').setAudience('mindflow-api'),
    ).sign(key);
  const forever = await signed((jwt) => jwt.setSubject(claims.userId).setIssuedAt());
  await t.rejects(tokens.verify(forever), unauthenticated, 'no exp: it would never expire');
  const nobody = await signed((jwt) => jwt.setExpirationTime('5m'));
  await t.rejects(tokens.verify(nobody), unauthenticated, 'no sub');
  const noLogin = await signed((jwt) => jwt.setSubject(claims.userId).setExpirationTime('5m'), {});
  await t.rejects(tokens.verify(noLogin), unauthenticated, 'no sid');
});

t.test('roles are not in the token: they are the session store’s to say', async (t) => {
  const payload = (await tokens.issue(claims)).split('.')[1] ?? '';
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  t.notOk('roles' in decoded);
  t.same(Object.keys(await tokens.verify(await tokens.issue(claims))).sort(), ['sessionId', 'userId']);
});

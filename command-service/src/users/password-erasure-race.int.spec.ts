import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import t from 'tap';
import { commandServiceForTest } from '../testing.js';

// A password change and an erasure of the same user at the same moment, many times: neither
// answers 500; whichever commits first, an erased user has no event after UserErased and no
// session left. (The erasure confirms the password: when the change commits before its check,
// the erasure's login has ended (401) or its password no longer matches (403): the account is
// kept, and the owner erases it with their new password.)
const service = await commandServiceForTest();
t.teardown(() => service.close());
const { app, db } = service;
const password = 'correct horse battery';
const consent = { termsVersion: '1', privacyPolicyVersion: '1', dataProcessing: true, marketing: false };
const rounds = 24;

async function signedIn(email: string) {
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  return login.json<{ accessToken: string; user: { id: string } }>();
}

t.test(`POST /v1/me/password and DELETE /v1/me together, ${String(rounds)} rounds`, async (t) => {
  const outcomes = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const email = `${randomUUID()}@example.com`;
    await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password, displayName: 'A', consent },
    });
    const first = await signedIn(email);
    const second = await signedIn(email);
    const userId = first.user.id;
    const remoteAddress = `198.51.100.${String(100 + round)}`;
    // The erasure starts 0 to 175 ms after the change, so that the rounds cover each order.
    const lag = (round % 8) * 25;
    const [changed, erased] = await Promise.all([
      app.inject({
        method: 'POST',
        url: '/v1/me/password',
        headers: { authorization: `Bearer ${first.accessToken}` },
        payload: { currentPassword: password, newPassword: `a new password ${String(round)}` },
        remoteAddress,
      }),
      new Promise((resolve) => setTimeout(resolve, lag)).then(() =>
        app.inject({
          method: 'DELETE',
          url: '/v1/me',
          headers: { authorization: `Bearer ${second.accessToken}` },
          payload: { password },
          remoteAddress,
        }),
      ),
    ]);
    const outcome = `password ${String(changed.statusCode)}, erasure ${String(erased.statusCode)}, lag ${String(lag)}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    t.ok(changed.statusCode < 500, `round ${String(round)}: password change ${changed.statusCode} ${changed.body}`);
    t.ok(erased.statusCode < 500, `round ${String(round)}: erasure ${erased.statusCode} ${erased.body}`);
    if (erased.statusCode >= 300) {
      // The change ended the erasure's login (401), or changed the password it confirms (403).
      t.ok([401, 403].includes(erased.statusCode), `round ${String(round)}: refused ${String(erased.statusCode)}`);
      t.equal(changed.statusCode, 200, 'only because the change had committed');
      const { rows: kept } = await sql`select 1 from users where id = ${userId} and deleted_at is null`.execute(db);
      t.equal(kept.length, 1, 'the account kept');
      continue;
    }
    const { rows: after } = await sql<{ type: string }>`
      select e.type from events e, events erased
      where erased.user_id = ${userId} and erased.type = 'UserErased' and e.user_id = ${userId}
        and (e.transaction_id, e.global_position) > (erased.transaction_id, erased.global_position)
    `.execute(db);
    t.same(after, [], `round ${String(round)}: no event of theirs after UserErased`);
    const { rows: erasedRows } = await sql`select 1 from erased_users where user_id = ${userId}`.execute(db);
    t.equal(erasedRows.length, 1, 'recorded as erased');
    const { rows: sessions } = await sql`
      select 1 from refresh_tokens where user_id = ${userId} and revoked_at is null`.execute(db);
    t.equal(sessions.length, 0, 'no session left');
    for (const token of [first.accessToken, second.accessToken]) {
      const me = await app.inject({
        method: 'PATCH',
        url: '/v1/me',
        headers: { authorization: `Bearer ${token}` },
        payload: { displayName: 'B' },
      });
      t.equal(me.statusCode, 401, 'its tokens refused');
    }
  }
  t.comment(JSON.stringify(Object.fromEntries(outcomes)));
});

// What each virtual client sends. A scenario returns an autocannon request (and options), an optional
// per-connection setup (which client logs in as whom, which chain it rotates), and for stateful
// scenarios a `settle` step and the state to hand back to the orchestrator.

const JSON_HEADERS = { 'content-type': 'application/json' };
// Not in the blocklist, 15+ characters, and free of the email's local part (the password policy).
const REGISTER_PASSWORD = 'lantern orchard quietly seventeen';

const bearer = (path) => (data) => ({
  request: { method: 'GET', path },
  setupClient: (client, slot) =>
    client.setHeaders({ authorization: `Bearer ${data.accessTokens[slot % data.accessTokens.length]}` }),
});

export const scenarios = {
  health: () => ({ request: { method: 'GET', path: '/health' } }),
  jwks: () => ({ request: { method: 'GET', path: '/jwks' } }),
  me: bearer('/auth/me'),
  // The bare Fastify + jose ceiling's route for the same tokens.
  verify: bearer('/verify'),

  // Each connection logs in as its own user: the per-email limit and lockout counters see what
  // many users would cause, not one account hammered.
  login: (data) => ({
    request: { method: 'POST', path: '/auth/login', headers: JSON_HEADERS },
    setupClient: (client, slot) =>
      client.setBody(
        JSON.stringify({ email: data.emails[slot % data.emails.length], password: data.password }),
      ),
  }),

  // autocannon replaces [<id>] with a unique id per request: every request is a new account.
  register: () => ({
    options: { idReplacement: true },
    request: {
      method: 'POST',
      path: '/auth/register',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        email: 'bench-[<id>]@bench.example',
        password: REGISTER_PASSWORD,
        name: 'Bench',
      }),
    },
  }),

  // Mobile mode (token in the JSON body). Connection i rotates chain i: each response's
  // successor is the next request's token, so every request is a real rotation, never a replay.
  refresh: (data) => {
    const body = (token) => JSON.stringify({ refreshToken: token });
    return {
      request: { method: 'POST', path: '/auth/refresh', headers: JSON_HEADERS },
      setupClient: (client, slot) =>
        client.setRequests([
          {
            method: 'POST',
            path: '/auth/refresh',
            headers: JSON_HEADERS,
            body: body(data.chains[slot]),
            // Runs before autocannon writes the connection's next request.
            onResponse: (status, responseBody) => {
              if (status !== 200) return;
              data.chains[slot] = JSON.parse(responseBody).refreshToken;
              client.setBody(body(data.chains[slot]));
            },
          },
        ]),
      // A run ends with a request in flight on every connection: the server may have rotated a
      // token whose successor never arrived. Presenting it again now, inside the grace window,
      // returns that same successor, so the next run starts from each chain's live token.
      settle: async (url) => {
        await Promise.all(
          data.chains.map(async (token, slot) => {
            const response = await fetch(`${url}/auth/refresh`, {
              method: 'POST',
              headers: JSON_HEADERS,
              body: body(token),
            });
            if (response.ok) data.chains[slot] = (await response.json()).refreshToken;
          }),
        );
      },
      state: () => ({ chains: data.chains }),
    };
  },
};

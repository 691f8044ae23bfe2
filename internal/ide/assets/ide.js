// The messenger's GraphQL IDE: GraphiQL with a fetcher that speaks the
// server's transports. Queries and mutations are POSTed as JSON;
// subscriptions use graphql-sse in "distinct connections" mode (a POST with
// Accept: text/event-stream per subscription). Both send the headers of
// GraphiQL's Headers pane, so {"Authorization": "Bearer <token>"} works for
// subscriptions too. Everything here loads from this server: no CDN.
(() => {
  'use strict';

  const endpoint = document.querySelector('meta[name="graphql-endpoint"]').content;

  const defaultQuery = [
    '# The messenger\'s GraphQL API. Queries and mutations go over POST ' + endpoint + ',',
    '# subscriptions over graphql-sse (POST with Accept: text/event-stream).',
    '#',
    '# 1. Sign up (or logIn) and copy the token from the result:',
    '#      mutation { signUp(input: {username: "alice", password: "correct horse"}) { token } }',
    '# 2. Paste it in the Headers pane below:',
    '#      {"Authorization": "Bearer <token>"}',
    '# 3. Ask away; each subscription event shows its stream cursor in extensions.cursor.',
    '',
    'query Me {',
    '  me { username displayName }',
    '}',
    '',
    'subscription Live {',
    '  messageCreated { conversationId seq content sender { username } }',
    '}',
    '',
  ].join('\n');

  // The operation GraphiQL is about to run: the one named, else the only one.
  function operationOf(params, documentAST) {
    const ops = ((documentAST && documentAST.definitions) || []).filter((d) => d.kind === 'OperationDefinition');
    if (params.operationName) {
      return ops.find((d) => d.name && d.name.value === params.operationName);
    }
    return ops.length === 1 ? ops[0] : undefined;
  }

  function isSubscription(params, documentAST) {
    const op = operationOf(params, documentAST);
    if (op) return op.operation === 'subscription';
    // No parsed document (GraphiQL always passes one today): look at the text.
    return /^subscription\b/.test(String(params.query || '').replace(/#[^\n\r]*/g, '').trim());
  }

  // The GraphQL result a response holds (also a refusal's: 400, 401, 413…);
  // a body that is not JSON becomes an error.
  async function resultOf(response) {
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) { /* not JSON */ }
    if (body && typeof body === 'object') return body;
    throw new Error(`HTTP ${response.status} ${response.statusText}${text ? ': ' + text : ''}`);
  }

  async function post(params, headers) {
    const response = await fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify(params),
    });
    return resultOf(response);
  }

  // subscribe runs one subscription on its own graphql-sse connection and
  // yields its results. It is an iterator rather than an async generator so
  // that GraphiQL's stop button (which calls return while a next is pending)
  // aborts the request at once.
  function subscribe(params, headers) {
    const client = graphqlSse.createClient({
      url: endpoint,
      singleConnection: false,
      retryAttempts: 0,
      credentials: 'same-origin',
      headers: () => headers,
    });
    const results = client.iterate({
      query: params.query,
      variables: params.variables,
      operationName: params.operationName,
      extensions: params.extensions,
    });
    let done = false;
    return {
      [Symbol.asyncIterator]() { return this; },
      async next() {
        if (done) return { done: true, value: undefined };
        try {
          const step = await results.next();
          if (step.done) {
            done = true;
            client.dispose();
          }
          return step;
        } catch (err) {
          done = true;
          client.dispose();
          // A refusal (401, 400, 429…) instead of an event stream: show its body.
          const res = err && err.response;
          if (res && typeof res.text === 'function' && !res.bodyUsed) {
            return { done: false, value: await resultOf(res) };
          }
          throw err;
        }
      },
      async return() {
        done = true;
        client.dispose();
        return results.return();
      },
    };
  }

  // GraphiQL's storage: localStorage under "graphiql:", as by default, but
  // its history and favourites keep no headers (GraphiQL stores each run's
  // headers there even with "persist headers" off) unless that setting is
  // on, so that access tokens do not outlive the tab by accident.
  const prefix = 'graphiql:';
  const storage = {
    getItem: (key) => localStorage.getItem(key),
    setItem(key, value) {
      if ((key === `${prefix}queries` || key === `${prefix}favorites`) &&
          localStorage.getItem(`${prefix}shouldPersistHeaders`) !== 'true') {
        try {
          const lists = JSON.parse(value);
          for (const list of Object.values(lists)) {
            if (Array.isArray(list)) list.forEach((entry) => { delete entry.headers; });
          }
          value = JSON.stringify(lists);
        } catch (e) { /* not GraphiQL's format: store as is */ }
      }
      localStorage.setItem(key, value);
    },
    removeItem: (key) => localStorage.removeItem(key),
    get length() {
      return Object.keys(localStorage).filter((key) => key.startsWith(prefix)).length;
    },
    clear() {
      Object.keys(localStorage).filter((key) => key.startsWith(prefix)).forEach((key) => localStorage.removeItem(key));
    },
  };

  function fetcher(params, opts) {
    const headers = (opts && opts.headers) || {};
    if (isSubscription(params, opts && opts.documentAST)) return subscribe(params, headers);
    return post(params, headers);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      storage,
      defaultQuery,
      isHeadersEditorEnabled: true,
      defaultHeaders: '{\n  \n}',
      defaultEditorToolsVisibility: 'headers',
      // Tokens stay out of localStorage unless turned on in the settings.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();

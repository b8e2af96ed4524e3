export default function Home() {
  return (
    <main>
      <h1>Postora API</h1>
      <p>
        The GraphQL endpoint is <a href="/api/graphql">/api/graphql</a>. Open it in a browser for GraphiQL, or POST
        GraphQL requests to it with <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
    </main>
  );
}

/** GraphiQL's first tab: the query a newcomer should see work. */
export const DEFAULT_QUERY = `# Ballast: one query, seven REST services behind it.
# Break a service (see README), run it again:
# degraded fields show in extensions.degraded.
query Products {
  products(first: 20) {
    nodes {
      id
      name
      category
      price { amount currency formatted }
      inventory { available status }
      rating { average count }
      shipping { days carrier }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

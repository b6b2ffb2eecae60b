/** An API answer as the tests read it: the status and the JSON body (empty when there is none). */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown> & { code?: string };
  headers: Headers;
}

/** One JSON request to an API at `baseUrl`, with a bearer token and a body when given. */
export async function callApi(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as ApiAnswer['body']) : {},
    headers: response.headers,
  };
}

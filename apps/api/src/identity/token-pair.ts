/** What a sign-in or refresh hands the client: the session's access token and its next refresh token. */
export interface TokenPair {
  tokenType: 'Bearer';
  /** The session (the `sid` claim): what GET /v1/auth/sessions lists and DELETE ends. */
  sessionId: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  /** When the session ends however often it is refreshed. */
  refreshTokenExpiresAt: string;
}

import { Global, Module } from '@nestjs/common';
import { AccessTokens } from './access-tokens';
import { Authenticator } from './authenticator';
import { BrowserSession } from './browser-session';
import { SdkKeyCredentials } from './sdk-key-credentials';
import { TokenState } from './token-state';

/**
 * Who is calling, for every request: the one instance of each piece that verifies a caller
 * (access tokens, the browser session's cookies, the live token state, the authenticator). Global,
 * because the edge (rate limiting, the access guard, the queue dashboard) and the features (auth,
 * users, and the coming flags) all need the same instances, and none of them may own it.
 */
@Global()
@Module({
  providers: [AccessTokens, BrowserSession, TokenState, SdkKeyCredentials, Authenticator],
  exports: [AccessTokens, BrowserSession, TokenState, SdkKeyCredentials, Authenticator],
})
export class IdentityModule {}

import * as client from 'openid-client';
import { principalFromClaims } from '../server/auth/jwt.js';
import type { Principal } from '../server/auth/principal.js';
import type { OidcConfig } from '../server/config.js';

export interface OidcSignIn {
  principal: Principal;
  accessToken: string;
  accessTokenExpiresAt: Date;
  idToken?: string;
}

/**
 * Sign-in at the province's identity provider: authorization code with PKCE (S256), state and
 * nonce, through openid-client. The provider's metadata is discovered on first use and kept;
 * a provider that is down at start-up only delays the first sign-in.
 */
export class OidcClient {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(private readonly settings: OidcConfig) {}

  private discovered(): Promise<client.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret, allowInsecure } = this.settings;
      this.configuration = client.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? client.ClientSecretPost(clientSecret) : client.None(), allowInsecure ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 });
      this.configuration.catch(() => (this.configuration = null));
    }
    return this.configuration;
  }

  /** Where to send the browser, and what to keep until the callback. */
  async start(redirectUri: string): Promise<{ url: string; state: string; codeVerifier: string; nonce: string }> {
    const configuration = await this.discovered();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, codeVerifier, nonce };
  }

  /** Exchanges the code; the department and roles come from the configured claims of the ID token, else of userinfo. */
  async finish(callbackUrl: URL, checks: { state: string; codeVerifier: string; nonce: string }): Promise<OidcSignIn> {
    const configuration = await this.discovered();
    const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    try {
      principalFromClaims(claims, this.settings);
    } catch {
      claims = { ...(await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub)), ...idClaims };
    }
    const signIn: OidcSignIn = {
      principal: principalFromClaims(claims, this.settings),
      accessToken: tokens.access_token,
      accessTokenExpiresAt: new Date(Date.now() + (tokens.expires_in ?? 300) * 1000),
    };
    if (tokens.id_token) signIn.idToken = tokens.id_token;
    return signIn;
  }

  /** The provider's end-session address, when it has one. */
  async endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | null> {
    const configuration = await this.discovered().catch(() => null);
    if (!configuration?.serverMetadata().end_session_endpoint) return null;
    const parameters: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri };
    if (idToken) parameters['id_token_hint'] = idToken;
    return client.buildEndSessionUrl(configuration, parameters).href;
  }

  get issuerOrigin(): string {
    return new URL(this.settings.issuer).origin;
  }
}

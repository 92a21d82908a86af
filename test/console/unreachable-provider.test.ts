import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../kit.js';
import { HttpSession } from './http-session.js';

/** An identity provider that does not answer is a page saying so, never an unexpected error. */
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { OIDC_ISSUER: 'http://127.0.0.1:9/realms/kho', OIDC_CLIENT_ID: 'kho-console' } });
});

afterAll(async () => {
  await gw?.close();
});

describe('sign-in while the identity provider is down', () => {
  it('answers 503 with a page in the user’s language that says what to do, and keeps working once asked again', async () => {
    const browser = new HttpSession(gw.base);
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await browser.get('/auth/login');
      expect(response.status).toBe(503);
      const page = await response.text();
      expect(page).toContain('Cổng định danh tạm thời không trả lời');
      expect(page).not.toMatch(/Unexpected error|stack|ECONNREFUSED/i);
    }
  });
});

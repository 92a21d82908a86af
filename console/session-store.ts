import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Principal } from '../server/auth/principal.js';

/** A signed-in browser, as the server keeps it; the browser holds only the random id. */
export interface Session {
  principal: Principal;
  /** The synchronizer token every state change must carry. */
  csrf: string;
  /** How the user signed in. */
  via: 'dev' | 'oidc';
  /** The token GraphiQL is given on the query page: the provider's access token, or a local one. */
  apiToken?: string;
  apiTokenExpiresAt?: Date;
  /** For the provider's end-session endpoint. */
  idToken?: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute expiry: the session ends then however active it is. */
  expiresAt: Date;
}

type SessionDocument = Session & { _id: string };

/** A sign-in under way at the identity provider, until its callback. */
export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
  createdAt: Date;
}

const LOGIN_TTL_MS = 10 * 60_000;
/** Expired sessions and sign-ins are swept at most this often, where no TTL index does it. */
const SWEEP_EVERY_MS = 60_000;
/** lastSeenAt is written at most this often, so a page view is not always a write. */
const TOUCH_EVERY_MS = 60_000;

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');
export const randomToken = () => randomBytes(32).toString('base64url');

/**
 * Sessions in the catalogue database, so every gateway replica sees the same ones. Only a
 * digest of the cookie's value is stored: a copy of the collection signs nobody in. Expired
 * sessions are refused on read and deleted then; a TTL index clears the rest where the server
 * has one, and writes sweep them once a minute where it has not (mongo-java-server).
 */
export class SessionStore {
  private readonly sessions: Collection<SessionDocument>;
  private readonly logins: Collection<PendingLogin & { _id: string }>;
  private lastSweep = 0;

  constructor(
    db: Db,
    private readonly limits: { idleSeconds: number; maxSeconds: number },
  ) {
    this.sessions = db.collection('console_sessions');
    this.logins = db.collection('console_logins');
  }

  async ensureIndexes(): Promise<void> {
    await this.sessions.createIndex({ expiresAt: 1 }, { name: 'expiry', expireAfterSeconds: 0 });
    await this.logins.createIndex({ createdAt: 1 }, { name: 'expiry', expireAfterSeconds: LOGIN_TTL_MS / 1000 });
  }

  /** A new session; returns the cookie value. Any earlier session of this browser is ended by the caller. */
  async create(fields: Pick<Session, 'principal' | 'via' | 'apiToken' | 'apiTokenExpiresAt' | 'idToken'>): Promise<{ id: string; session: Session }> {
    const id = randomToken();
    const now = new Date();
    const session: Session = { ...withoutUndefined(fields), csrf: randomToken(), createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + this.limits.maxSeconds * 1000) };
    await this.sweep();
    await this.sessions.insertOne({ _id: digest(id), ...session });
    return { id, session };
  }

  /** The live session of a cookie value, or null; an idle or expired one is deleted. */
  async get(id: string | undefined): Promise<Session | null> {
    if (!id || id.length > 100) return null;
    const key = digest(id);
    const doc = await this.sessions.findOne({ _id: key });
    if (!doc) return null;
    const now = Date.now();
    if (doc.expiresAt.getTime() <= now || now - doc.lastSeenAt.getTime() > this.limits.idleSeconds * 1000) {
      await this.sessions.deleteOne({ _id: key });
      return null;
    }
    if (now - doc.lastSeenAt.getTime() > TOUCH_EVERY_MS) await this.sessions.updateOne({ _id: key }, { $set: { lastSeenAt: new Date(now) } });
    const { _id, ...session } = doc;
    return session;
  }

  /** Replaces the API token of a session (a local one minted again when it ran out). */
  async setApiToken(id: string, token: string, expiresAt: Date): Promise<void> {
    await this.sessions.updateOne({ _id: digest(id) }, { $set: { apiToken: token, apiTokenExpiresAt: expiresAt } });
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.sessions.deleteMany({ $or: [{ expiresAt: { $lte: new Date(now) } }, { lastSeenAt: { $lt: new Date(now - this.limits.idleSeconds * 1000) } }] });
    await this.logins.deleteMany({ createdAt: { $lt: new Date(now - LOGIN_TTL_MS) } });
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id && id.length <= 100) await this.sessions.deleteOne({ _id: digest(id) });
  }

  async saveLogin(state: string, login: Omit<PendingLogin, 'createdAt'>): Promise<void> {
    await this.sweep();
    await this.logins.insertOne({ _id: digest(state), ...login, createdAt: new Date() });
  }

  /** The pending sign-in of a state, once: it is deleted as it is read, so a callback cannot be replayed. */
  async takeLogin(state: string): Promise<PendingLogin | null> {
    if (state.length > 100) return null;
    const doc = await this.logins.findOneAndDelete({ _id: digest(state) });
    if (!doc || Date.now() - doc.createdAt.getTime() > LOGIN_TTL_MS) return null;
    const { _id, ...login } = doc;
    return login;
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

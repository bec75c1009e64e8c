import type { Db } from "../db/client.js";
import type { Portal } from "../generated/prisma/client.js";
import { decrypt, encrypt, sealedFor } from "../config/crypto.js";
import { SingleFlight } from "../concurrency/single-flight.js";
import { logger } from "../config/logger.js";
import { classifyHubSpotError, PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "./errors.js";
import type { HubSpotClient, HubSpotClientFactory } from "./client.js";

const log = logger("hubspot.tokens");
/** Refresh this long before expiry, so a token never expires mid-job. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** HubSpot refused the refresh token itself (revoked, uninstalled): the portal must re-authorise. */
class RefreshRefusedError extends PortalNeedsReauthError {}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

export interface OAuthAppCredentials {
  clientId: string;
  clientSecret: string;
  encryptionKey: string;
}

/**
 * Access tokens per portal, refreshed before expiry. Refresh is single-flight twice over: in this
 * process (one promise per portal) and across processes (a PostgreSQL advisory lock, then a re-read:
 * whoever waited finds the fresh token and does not spend the refresh token again).
 */
export class PortalTokens {
  private readonly refreshes = new SingleFlight<string>();

  constructor(
    private readonly db: Db,
    private readonly clients: HubSpotClientFactory,
    private readonly app: OAuthAppCredentials,
  ) {}

  async save(portalId: string, tokens: TokenSet, scopes: string[]): Promise<void> {
    const data = {
      status: "active",
      statusReason: null,
      accessTokenEnc: encrypt(tokens.accessToken, this.app.encryptionKey, sealedFor("Portal", "accessTokenEnc", portalId)),
      refreshTokenEnc: encrypt(tokens.refreshToken, this.app.encryptionKey, sealedFor("Portal", "refreshTokenEnc", portalId)),
      accessExpiresAt: new Date(Date.now() + tokens.expiresInSeconds * 1000),
      scopes,
    };
    await this.db.portal.upsert({ where: { id: portalId }, create: { id: portalId, ...data }, update: data });
  }

  /** A client for the portal with a valid token (refreshing it first when it is about to expire). */
  async client(portalId: string): Promise<HubSpotClient> {
    return this.clients.forToken(portalId, await this.accessToken(portalId));
  }

  clientFor(portalId: string, accessToken: string): HubSpotClient {
    return this.clients.forToken(portalId, accessToken);
  }

  /** An uninstalled portal stays uninstalled (a sync that read the portal before the uninstall may get here after it). */
  async markNeedsReauth(portalId: string, reason: string): Promise<void> {
    await this.db.portal.updateMany({ where: { id: portalId, status: { not: "uninstalled" } }, data: { status: "needs_reauth", statusReason: reason } });
  }

  async accessToken(portalId: string): Promise<string> {
    return this.accessTokenFrom(portalId, await this.db.portal.findUnique({ where: { id: portalId } }));
  }

  /**
   * The same, from a Portal row the caller has just read (the sync reads it with the call). A token
   * refreshed by another process since is not missed: the one read stays valid until it expires.
   */
  async accessTokenFrom(portalId: string, portal: Pick<Portal, "status" | "statusReason" | "accessTokenEnc" | "accessExpiresAt"> | null): Promise<string> {
    if (!portal || portal.status === "uninstalled") throw new PermanentSyncError(`portal ${portalId} is not installed`);
    if (portal.status === "needs_reauth") throw new PortalNeedsReauthError(portalId, portal.statusReason ?? "refresh failed");
    if (portal.accessTokenEnc && portal.accessExpiresAt && portal.accessExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) {
      return decrypt(portal.accessTokenEnc, this.app.encryptionKey, sealedFor("Portal", "accessTokenEnc", portalId));
    }
    return this.refresh(portalId);
  }

  /** Refresh now (also after a 401 on a token we believed valid). */
  refresh(portalId: string): Promise<string> {
    return this.refreshes.run(portalId, () => this.refreshAcrossProcesses(portalId));
  }

  private async refreshAcrossProcesses(portalId: string): Promise<string> {
    try {
      return await this.refreshLocked(portalId);
    } catch (error) {
      if (error instanceof RefreshRefusedError) {
        await this.markNeedsReauth(portalId, error.message);
        log.warn({ portalId }, "token refresh refused; portal needs re-authorisation");
      }
      throw error;
    }
  }

  private async refreshLocked(portalId: string): Promise<string> {
    const startedAt = Date.now();
    return this.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`portal-token:${portalId}`}))`;
        const portal = await tx.portal.findUnique({ where: { id: portalId } });
        if (!portal?.refreshTokenEnc || portal.status === "uninstalled") throw new PermanentSyncError(`portal ${portalId} is not installed`);
        if (portal.status === "needs_reauth") throw new PortalNeedsReauthError(portalId, portal.statusReason ?? "refresh failed");
        // Another process refreshed while we waited for the lock.
        if (portal.accessTokenEnc && portal.updatedAt.getTime() >= startedAt && portal.accessExpiresAt && portal.accessExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) {
          return decrypt(portal.accessTokenEnc, this.app.encryptionKey, sealedFor("Portal", "accessTokenEnc", portalId));
        }
        let response;
        try {
          response = await this.clients
            .anonymous()
            .oauth.tokensApi.create("refresh_token", undefined, undefined, this.app.clientId, this.app.clientSecret, decrypt(portal.refreshTokenEnc, this.app.encryptionKey, sealedFor("Portal", "refreshTokenEnc", portalId)));
        } catch (error) {
          const failure = classifyHubSpotError(error);
          if (failure.kind === "transient" || failure.kind === "rate_limited") throw new TransientSyncError(`token refresh: ${failure.message}`);
          // 400 BAD_REFRESH_TOKEN (revoked, app uninstalled) or 401: only a person can fix this.
          // Marked after the transaction (which this throw rolls back).
          throw new RefreshRefusedError(portalId, `token refresh refused: ${failure.message}`);
        }
        await tx.portal.update({
          where: { id: portalId },
          data: {
            accessTokenEnc: encrypt(response.accessToken, this.app.encryptionKey, sealedFor("Portal", "accessTokenEnc", portalId)),
            refreshTokenEnc: encrypt(response.refreshToken || decrypt(portal.refreshTokenEnc, this.app.encryptionKey, sealedFor("Portal", "refreshTokenEnc", portalId)), this.app.encryptionKey, sealedFor("Portal", "refreshTokenEnc", portalId)),
            accessExpiresAt: new Date(Date.now() + response.expiresIn * 1000),
          },
        });
        log.info({ portalId }, "access token refreshed");
        return response.accessToken;
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
  }
}

import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { roleValidator, uploadPurposeValidator, videoStatusValidator } from "./lib/validators";

export default defineSchema({
  ...authTables,

  teams: defineTable({
    name: v.string(),
    createdBy: v.id("users"),
    /** Cap on active expiring share links; absent = the deployment default (DEFAULT_LINK_QUOTA, −1 unlimited). */
    linkQuota: v.optional(v.number()),
  }),

  teamMembers: defineTable({
    teamId: v.id("teams"),
    userId: v.id("users"),
    role: roleValidator,
  })
    .index("by_team_user", ["teamId", "userId"])
    .index("by_team_role", ["teamId", "role"])
    .index("by_user", ["userId"]),

  /**
   * Pending invitations: secret links (lib/invites.ts). The token is HMAC(secret, nonce) and
   * only its SHA-256 is looked up; `email` is whom the admin meant it for, never a key to join.
   * Deleted when accepted or cancelled; refused after `expiresAt`.
   */
  teamInvites: defineTable({
    teamId: v.id("teams"),
    email: v.string(),
    role: roleValidator,
    invitedBy: v.id("users"),
    nonce: v.string(),
    tokenHash: v.string(),
    expiresAt: v.number(),
  })
    .index("by_team_email", ["teamId", "email"])
    .index("by_token_hash", ["tokenHash"]),

  videos: defineTable({
    teamId: v.id("teams"),
    title: v.string(),
    description: v.string(),
    fileName: v.string(),
    status: videoStatusValidator,
    /** The first chunk file (chunked videos, see videoChunks) or the whole file (videos stored before chunking). */
    storageId: v.optional(v.id("_storage")),
    /** Chunked videos: bytes per chunk file (lib/chunks.ts); absent = one chunk, the whole file. */
    chunkSize: v.optional(v.number()),
    /** Chunked videos: SHA-256 over the chunks' digests (base64), the ETag. */
    sha256: v.optional(v.string()),
    /** A chunked upload in progress: the file it is for, checked on resume and at finalize. */
    uploadPlan: v.optional(v.object({ size: v.number(), chunkSize: v.number(), contentType: v.string(), fileName: v.string() })),
    posterStorageId: v.optional(v.id("_storage")),
    contentType: v.optional(v.string()),
    size: v.optional(v.number()),
    durationSeconds: v.optional(v.number()),
    failureReason: v.optional(v.string()),
    uploadedBy: v.id("users"),
    /** Title and description as one text, kept on write (lib/search.ts) for the search_text index. */
    searchText: v.optional(v.string()),
  })
    .index("by_team", ["teamId"])
    .index("by_team_status", ["teamId", "status"])
    .searchIndex("search_text", { searchField: "searchText", filterFields: ["teamId", "status"] })
    .index("by_status", ["status"])
    .index("by_storageId", ["storageId"])
    .index("by_posterStorageId", ["posterStorageId"])
    /** Legacy single-file videos (chunkSize absent, ready): what legacyMigration.ts backfills. */
    .index("by_chunkSize_status", ["chunkSize", "status"]),

  /** The ordered chunk files of a chunked video (lib/chunks.ts), each its own upload. */
  videoChunks: defineTable({
    videoId: v.id("videos"),
    index: v.number(),
    storageId: v.id("_storage"),
    size: v.number(),
    /** `_storage.sha256` of the chunk (base64). */
    sha256: v.string(),
  })
    .index("by_video_index", ["videoId", "index"])
    .index("by_storageId", ["storageId"]),

  /** Upload sessions (see lib/uploads.ts): what an upload URL was issued for, and when. */
  uploads: defineTable({
    videoId: v.id("videos"),
    purpose: uploadPurposeValidator,
    issuedBy: v.id("users"),
    expiresAt: v.number(),
    consumedAt: v.optional(v.number()),
    /** How far the sweep has looked for stray files in this session's window. */
    sweptUntil: v.optional(v.number()),
  })
    .index("by_video_purpose", ["videoId", "purpose"])
    .index("by_expiresAt", ["expiresAt"]),

  /**
   * A member's comment has `authorId`; a guest's (posted through a share link that allows
   * comments, comments.addAsGuest) has `guest` instead: the name they chose, the link and the
   * viewer it came from. Exactly one of the two is set.
   */
  comments: defineTable({
    videoId: v.id("videos"),
    authorId: v.optional(v.id("users")),
    guest: v.optional(v.object({ name: v.string(), linkId: v.id("shareLinks"), viewerKey: v.string() })),
    body: v.string(),
    timestampSeconds: v.optional(v.number()),
    parentId: v.optional(v.id("comments")),
  })
    .index("by_video", ["videoId"])
    .index("by_parent", ["parentId"]),

  /**
   * The link token is never stored: `tokenHash` is SHA-256(token) for lookups, and
   * members recover the token as HMAC(SHARE_TOKEN_SECRET, nonce).
   */
  shareLinks: defineTable({
    /** What the link opens: a video, or (instead) a collection of the team's videos. Exactly one is set. */
    videoId: v.optional(v.id("videos")),
    collectionId: v.optional(v.id("collections")),
    teamId: v.id("teams"),
    createdBy: v.id("users"),
    nonce: v.string(),
    tokenHash: v.string(),
    expiresAt: v.optional(v.number()),
    allowDownload: v.boolean(),
    /** Guests may read the video's comments and post their own (absent = off: links made before the option). */
    allowComments: v.optional(v.boolean()),
    passwordHash: v.optional(v.string()),
    /** Bumped whenever the password is set, changed or removed; grants carry the version they were issued under. */
    passwordVersion: v.number(),
    revokedAt: v.optional(v.number()),
    viewCount: v.number(),
    downloadCount: v.number(),
    lastAccessedAt: v.optional(v.number()),
    /** Policies (all optional). */
    label: v.optional(v.string()),
    note: v.optional(v.string()),
    maxViewers: v.optional(v.number()),
    maxViews: v.optional(v.number()),
    maxDownloads: v.optional(v.number()),
    customSlug: v.optional(v.string()),
    /** Addresses / CIDR ranges allowed to use the link (checked wherever the client address is known). */
    ipAllowlist: v.optional(v.array(v.string())),
    /** Lower-cased slug: unique across the deployment. */
    slugKey: v.optional(v.string()),
    /** Distinct viewers that received a grant (see shareViewers). */
    viewerCount: v.optional(v.number()),
  })
    .index("by_tokenHash", ["tokenHash"])
    .index("by_slugKey", ["slugKey"])
    .index("by_video", ["videoId"])
    .index("by_collection", ["collectionId"])
    .index("by_team_expiresAt", ["teamId", "expiresAt"])
    .searchIndex("search_label", { searchField: "label", filterFields: ["teamId"] })
    .searchIndex("search_note", { searchField: "note", filterFields: ["teamId"] })
    .searchIndex("search_slug", { searchField: "customSlug", filterFields: ["teamId"] }),

  /**
   * An ordered set of the team's videos shared behind one link. `videoIds` may still name a
   * video deleted since: every read skips what is gone (lib/collections.ts), and the next edit drops it.
   */
  collections: defineTable({
    teamId: v.id("teams"),
    title: v.string(),
    description: v.string(),
    videoIds: v.array(v.id("videos")),
    createdBy: v.id("users"),
  }).index("by_team", ["teamId"]),

  /** Who has received a grant on a link (viewerId), so returning viewers are not counted twice. */
  shareViewers: defineTable({
    linkId: v.id("shareLinks"),
    viewerKey: v.string(),
    /** On the raw link: when this client's current viewing was last seen (lib/rawViewings.ts). */
    rawViewingAt: v.optional(v.number()),
  }).index("by_link_viewer", ["linkId", "viewerKey"]),

  /** API keys for scripts: only SHA-256(key) is stored; the key is shown once. */
  apiKeys: defineTable({
    teamId: v.id("teams"),
    name: v.string(),
    scopes: v.array(v.union(v.literal("shares:read"), v.literal("shares:write"))),
    keyHash: v.string(),
    keyPrefix: v.string(),
    createdBy: v.id("users"),
    revokedAt: v.optional(v.number()),
    lastUsedAt: v.optional(v.number()),
  })
    .index("by_keyHash", ["keyHash"])
    .index("by_team", ["teamId"]),

  /** Per-link access log, kept 90 days. */
  accessLog: defineTable({
    linkId: v.id("shareLinks"),
    event: v.union(v.literal("grantIssued"), v.literal("grantRefused"), v.literal("download"), v.literal("revoked")),
    reason: v.optional(v.string()),
    viewerId: v.optional(v.string()),
    clientAddress: v.optional(v.string()),
  }).index("by_link", ["linkId"]),

  /** Downloads in progress (lib/downloads.ts): the byte ranges served so far to one holder of a link. */
  downloadProgress: defineTable({
    linkId: v.id("shareLinks"),
    /** `grant:<id>` or the client key of the raw and API routes. */
    holder: v.string(),
    storageId: v.id("_storage"),
    /** Sorted, disjoint, end-exclusive byte ranges. */
    pieces: v.array(v.object({ start: v.number(), end: v.number() })),
    updatedAt: v.number(),
  })
    .index("by_link_holder", ["linkId", "holder"])
    .index("by_link_updatedAt", ["linkId", "updatedAt"])
    .index("by_updatedAt", ["updatedAt"]),

  /**
   * A team member's short-lived playback grant (playback.ts): /media/<token> checks it and the
   * membership on every request, so removing the member cuts playback at once. SHA-256 only.
   */
  memberGrants: defineTable({
    teamId: v.id("teams"),
    /** The one video it plays; absent: a library grant that opens the posters of the team's videos only. */
    videoId: v.optional(v.id("videos")),
    userId: v.id("users"),
    tokenHash: v.string(),
    expiresAt: v.number(),
  })
    .index("by_tokenHash", ["tokenHash"])
    .index("by_user_team", ["userId", "teamId"])
    /** For the sweep of expired grants (grantSweep.ts). */
    .index("by_expiresAt", ["expiresAt"]),

  /** 24-hour access grants; only SHA-256(grantToken) is stored. */
  shareGrants: defineTable({
    linkId: v.id("shareLinks"),
    tokenHash: v.string(),
    expiresAt: v.number(),
    passwordVersion: v.number(),
    viewerId: v.optional(v.string()),
    /**
     * The address it was issued to, when the request had one (the HTTP path): an IP allowlist
     * set or narrowed later ends the grant wherever the address cannot be seen (queries and
     * mutations over the WebSocket), as it is refused on every request that can see it.
     */
    clientAddress: v.optional(v.string()),
  })
    .index("by_tokenHash", ["tokenHash"])
    .index("by_link", ["linkId"])
    .index("by_expiresAt", ["expiresAt"]),
});

/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as accessLog from "../accessLog.js";
import type * as apiKeys from "../apiKeys.js";
import type * as apiV1 from "../apiV1.js";
import type * as auth from "../auth.js";
import type * as authAttempts from "../authAttempts.js";
import type * as collections from "../collections.js";
import type * as comments from "../comments.js";
import type * as crons from "../crons.js";
import type * as functions from "../functions.js";
import type * as grantSweep from "../grantSweep.js";
import type * as http from "../http.js";
import type * as invites from "../invites.js";
import type * as legacyMigration from "../legacyMigration.js";
import type * as lib_accessLog from "../lib/accessLog.js";
import type * as lib_apiHttp from "../lib/apiHttp.js";
import type * as lib_apiShapes from "../lib/apiShapes.js";
import type * as lib_authAttempts from "../lib/authAttempts.js";
import type * as lib_boundedBody from "../lib/boundedBody.js";
import type * as lib_chunkStore from "../lib/chunkStore.js";
import type * as lib_chunks from "../lib/chunks.js";
import type * as lib_clientAddress from "../lib/clientAddress.js";
import type * as lib_collections from "../lib/collections.js";
import type * as lib_commentThreads from "../lib/commentThreads.js";
import type * as lib_containers from "../lib/containers.js";
import type * as lib_downloads from "../lib/downloads.js";
import type * as lib_env from "../lib/env.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_fixedChunks from "../lib/fixedChunks.js";
import type * as lib_grantIssuing from "../lib/grantIssuing.js";
import type * as lib_invites from "../lib/invites.js";
import type * as lib_ip from "../lib/ip.js";
import type * as lib_linkExpiry from "../lib/linkExpiry.js";
import type * as lib_linkManagement from "../lib/linkManagement.js";
import type * as lib_linkSettings from "../lib/linkSettings.js";
import type * as lib_linkSummary from "../lib/linkSummary.js";
import type * as lib_linkTarget from "../lib/linkTarget.js";
import type * as lib_mediaHeaders from "../lib/mediaHeaders.js";
import type * as lib_mediaResponse from "../lib/mediaResponse.js";
import type * as lib_mediaUrls from "../lib/mediaUrls.js";
import type * as lib_memberGrants from "../lib/memberGrants.js";
import type * as lib_permissions from "../lib/permissions.js";
import type * as lib_quota from "../lib/quota.js";
import type * as lib_ranges from "../lib/ranges.js";
import type * as lib_rateLimits from "../lib/rateLimits.js";
import type * as lib_rawViewings from "../lib/rawViewings.js";
import type * as lib_refusalTable from "../lib/refusalTable.js";
import type * as lib_refusals from "../lib/refusals.js";
import type * as lib_restErrors from "../lib/restErrors.js";
import type * as lib_search from "../lib/search.js";
import type * as lib_shareAccess from "../lib/shareAccess.js";
import type * as lib_sharedVideo from "../lib/sharedVideo.js";
import type * as lib_slugTickets from "../lib/slugTickets.js";
import type * as lib_text from "../lib/text.js";
import type * as lib_tokens from "../lib/tokens.js";
import type * as lib_unreachable from "../lib/unreachable.js";
import type * as lib_uploads from "../lib/uploads.js";
import type * as lib_validators from "../lib/validators.js";
import type * as media from "../media.js";
import type * as playback from "../playback.js";
import type * as rateLimitSweep from "../rateLimitSweep.js";
import type * as search from "../search.js";
import type * as shareGrants from "../shareGrants.js";
import type * as shareLinks from "../shareLinks.js";
import type * as teamLinks from "../teamLinks.js";
import type * as teams from "../teams.js";
import type * as uploadSweep from "../uploadSweep.js";
import type * as videoUploads from "../videoUploads.js";
import type * as videos from "../videos.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  accessLog: typeof accessLog;
  apiKeys: typeof apiKeys;
  apiV1: typeof apiV1;
  auth: typeof auth;
  authAttempts: typeof authAttempts;
  collections: typeof collections;
  comments: typeof comments;
  crons: typeof crons;
  functions: typeof functions;
  grantSweep: typeof grantSweep;
  http: typeof http;
  invites: typeof invites;
  legacyMigration: typeof legacyMigration;
  "lib/accessLog": typeof lib_accessLog;
  "lib/apiHttp": typeof lib_apiHttp;
  "lib/apiShapes": typeof lib_apiShapes;
  "lib/authAttempts": typeof lib_authAttempts;
  "lib/boundedBody": typeof lib_boundedBody;
  "lib/chunkStore": typeof lib_chunkStore;
  "lib/chunks": typeof lib_chunks;
  "lib/clientAddress": typeof lib_clientAddress;
  "lib/collections": typeof lib_collections;
  "lib/commentThreads": typeof lib_commentThreads;
  "lib/containers": typeof lib_containers;
  "lib/downloads": typeof lib_downloads;
  "lib/env": typeof lib_env;
  "lib/errors": typeof lib_errors;
  "lib/fixedChunks": typeof lib_fixedChunks;
  "lib/grantIssuing": typeof lib_grantIssuing;
  "lib/invites": typeof lib_invites;
  "lib/ip": typeof lib_ip;
  "lib/linkExpiry": typeof lib_linkExpiry;
  "lib/linkManagement": typeof lib_linkManagement;
  "lib/linkSettings": typeof lib_linkSettings;
  "lib/linkSummary": typeof lib_linkSummary;
  "lib/linkTarget": typeof lib_linkTarget;
  "lib/mediaHeaders": typeof lib_mediaHeaders;
  "lib/mediaResponse": typeof lib_mediaResponse;
  "lib/mediaUrls": typeof lib_mediaUrls;
  "lib/memberGrants": typeof lib_memberGrants;
  "lib/permissions": typeof lib_permissions;
  "lib/quota": typeof lib_quota;
  "lib/ranges": typeof lib_ranges;
  "lib/rateLimits": typeof lib_rateLimits;
  "lib/rawViewings": typeof lib_rawViewings;
  "lib/refusalTable": typeof lib_refusalTable;
  "lib/refusals": typeof lib_refusals;
  "lib/restErrors": typeof lib_restErrors;
  "lib/search": typeof lib_search;
  "lib/shareAccess": typeof lib_shareAccess;
  "lib/sharedVideo": typeof lib_sharedVideo;
  "lib/slugTickets": typeof lib_slugTickets;
  "lib/text": typeof lib_text;
  "lib/tokens": typeof lib_tokens;
  "lib/unreachable": typeof lib_unreachable;
  "lib/uploads": typeof lib_uploads;
  "lib/validators": typeof lib_validators;
  media: typeof media;
  playback: typeof playback;
  rateLimitSweep: typeof rateLimitSweep;
  search: typeof search;
  shareGrants: typeof shareGrants;
  shareLinks: typeof shareLinks;
  teamLinks: typeof teamLinks;
  teams: typeof teams;
  uploadSweep: typeof uploadSweep;
  videoUploads: typeof videoUploads;
  videos: typeof videos;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
};

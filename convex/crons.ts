import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.interval("sweep expired share grants", { hours: 1 }, internal.grantSweep.sweepExpired, { table: "shareGrants" });
crons.interval("sweep expired member grants", { hours: 1 }, internal.grantSweep.sweepExpired, { table: "memberGrants" });
crons.interval("sweep access log past 90 days", { hours: 6 }, internal.accessLog.sweepOld, {});
crons.interval("sweep unfinished uploads", { minutes: 30 }, internal.uploadSweep.sweep, {});
crons.interval("forget idle downloads", { hours: 1 }, internal.media.sweepIdleDownloads, {});
crons.interval("clear rate-limit rows older than a day", { hours: 24 }, internal.rateLimitSweep.clearStale, {});
crons.interval("re-chunk videos stored as one file", { hours: 24 }, internal.legacyMigration.backfill, {});
export default crons;

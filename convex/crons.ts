import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.interval("sweep expired share grants", { hours: 1 }, internal.shareGrants.sweepExpired, {});
crons.interval("sweep access log past 90 days", { hours: 6 }, internal.accessLog.sweepOld, {});
export default crons;

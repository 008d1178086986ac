import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();
crons.interval("sweep expired share grants", { hours: 1 }, internal.shareGrants.sweepExpired, {});
export default crons;

import { cronJobs, makeFunctionReference } from "convex/server";

const crons = cronJobs();
crons.interval("heartbeat", { seconds: 1 }, makeFunctionReference<"mutation">("tasks:beat"));
export default crons;

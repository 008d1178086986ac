export { errorMessage, isAppError } from "../../convex/lib/errors";

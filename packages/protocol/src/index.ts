export { HealthResponse } from "./health.js";

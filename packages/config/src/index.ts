export { COMPOSE_FILE_NAMES } from "./compose-files.js";

export { type Channel, LinkMux, type LinkMuxOptions } from "./mux.js";

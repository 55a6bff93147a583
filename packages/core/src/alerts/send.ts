// Sends one formatted alert: an HTTP POST for webhooks, nodemailer for SMTP.
// The destination is checked first (no loopback or private address unless
// allowed), the connection goes to the address that was checked, nothing of
// the reply but its status is kept, and errors name the alerter and host,
// never the URL (webhook URLs hold tokens).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { AlerterEndpoint } from "@tugboat/config";
import { createTransport } from "nodemailer";
import type { AlertRecord, DeliveryEvent } from "./alert-store.js";
import { resolveDestination } from "./destination.js";
import { formatDelivery, param } from "./endpoints.js";

const TIMEOUT_MS = 10_000;

export interface SendOptions {
  /** Alerters may reach loopback and private addresses (TUG_ALERTER_ALLOW_PRIVATE). */
  allowPrivate: boolean;
}

export async function sendAlert(
  endpoint: AlerterEndpoint,
  alert: AlertRecord,
  event: DeliveryEvent,
  options: SendOptions,
): Promise<void> {
  const delivery = formatDelivery(endpoint, alert, event);
  if (delivery.kind === "mail") {
    await sendMail(endpoint, delivery.subject, delivery.text, options);
    return;
  }
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    throw new Error(`${endpoint.type} alerter has no valid params.url`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`${endpoint.type} alerter's URL must be http(s), not ${url.protocol}`);
  const destination = await resolveDestination(url.hostname, options).catch((error: Error) => {
    throw new Error(`${endpoint.type} at ${url.host}: ${error.message}`);
  });
  // Connect to the address that was checked, whatever a second DNS answer would say.
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) callback(null, [destination]);
    else callback(null, destination.address, destination.family);
  };
  const status = await new Promise<number>((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: "POST",
      headers: { ...delivery.headers, "content-length": Buffer.byteLength(delivery.body) },
      lookup: pinned,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    req.on("response", (res) => {
      res.resume(); // the body is not read: nothing an endpoint says ends up in a record
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${endpoint.type} at ${url.host}: ${error.name === "AbortError" ? `no answer within ${TIMEOUT_MS / 1000} s` : (error.code ?? error.message)}`,
        ),
      ),
    );
    req.end(delivery.body);
  });
  if (status < 200 || status >= 300) throw new Error(`${endpoint.type} at ${url.host} answered HTTP ${status}`);
}

async function sendMail(endpoint: AlerterEndpoint, subject: string, text: string, options: SendOptions): Promise<void> {
  const host = param(endpoint, "host");
  const to = param(endpoint, "to");
  if (!host || !to) throw new Error("Smtp alerter needs params.host and params.to");
  const port = Number(param(endpoint, "port") || 587);
  const username = param(endpoint, "username");
  const destination = await resolveDestination(host, options).catch((error: Error) => {
    throw new Error(`Smtp at ${host}:${port}: ${error.message}`);
  });
  const transport = createTransport({
    host: destination.address,
    port,
    secure: param(endpoint, "secure") ? param(endpoint, "secure") === "true" : port === 465,
    // Certificates are checked against the name, not the address connected to.
    tls: { servername: host },
    ...(username ? { auth: { user: username, pass: param(endpoint, "password") } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: param(endpoint, "from") || `tugboat@${host}`, to, subject, text });
  } catch (error) {
    throw new Error(`Smtp at ${host}:${port}: ${(error as Error).message}`);
  } finally {
    transport.close();
  }
}

// Sends one formatted alert: HTTP POST for webhooks, nodemailer for SMTP.
// Errors name the alerter and host, never the URL (webhook URLs hold tokens).
import type { AlerterEndpoint } from "@tugboat/config";
import { createTransport } from "nodemailer";
import type { AlertRecord, DeliveryEvent } from "./alert-store.js";
import { formatDelivery, param } from "./endpoints.js";

const TIMEOUT_MS = 10_000;

export async function sendAlert(endpoint: AlerterEndpoint, alert: AlertRecord, event: DeliveryEvent): Promise<void> {
  const delivery = formatDelivery(endpoint, alert, event);
  if (delivery.kind === "mail") {
    await sendMail(endpoint, delivery.subject, delivery.text);
    return;
  }
  let host: string;
  try {
    host = new URL(delivery.url).host;
  } catch {
    throw new Error(`${endpoint.type} alerter has no valid params.url`);
  }
  const response = await fetch(delivery.url, {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  }).catch((error: Error) => {
    const cause = (error.cause as Error | undefined)?.message;
    throw new Error(`${endpoint.type} at ${host}: ${cause ?? error.message}`);
  });
  if (!response.ok) {
    const body = (await response.text().catch(() => "")).slice(0, 200);
    throw new Error(`${endpoint.type} at ${host} answered HTTP ${response.status}${body ? `: ${body}` : ""}`);
  }
}

async function sendMail(endpoint: AlerterEndpoint, subject: string, text: string): Promise<void> {
  const host = param(endpoint, "host");
  const to = param(endpoint, "to");
  if (!host || !to) throw new Error("Smtp alerter needs params.host and params.to");
  const port = Number(param(endpoint, "port") || 587);
  const username = param(endpoint, "username");
  const transport = createTransport({
    host,
    port,
    secure: param(endpoint, "secure") ? param(endpoint, "secure") === "true" : port === 465,
    ...(username ? { auth: { user: username, pass: param(endpoint, "password") } } : {}),
    connectionTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: param(endpoint, "from") || `tugboat@${host}`, to, subject, text });
  } catch (error) {
    throw new Error(`Smtp at ${host}:${port}: ${(error as Error).message}`);
  } finally {
    transport.close();
  }
}

// How an alert looks at each kind of endpoint (ntfy, Discord, Slack,
// Pushover, a generic JSON webhook, email): pure formatting, no I/O.
import type { AlerterEndpoint } from "@tugboat/config";
import type { AlertRecord, DeliveryEvent } from "./alert-store.js";

interface HttpDelivery {
  kind: "http";
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface MailDelivery {
  kind: "mail";
  subject: string;
  text: string;
}

/** A short title and a body line: what every endpoint shows. */
function describeAlert(alert: AlertRecord, event: DeliveryEvent): { title: string; text: string } {
  const what = `${alert.type}: ${alert.targetKind} ${alert.targetName}`;
  const title =
    event === "resolve"
      ? `RESOLVED ${what}`
      : event === "test"
        ? `TEST alert from Tugboat`
        : `${alert.severity.toUpperCase()}${event === "escalate" ? " (escalated)" : ""} ${what}`;
  return { title, text: alert.message };
}

export function param(endpoint: AlerterEndpoint, name: string): string {
  const value = endpoint.params[name];
  return Array.isArray(value) ? value.join(",") : value === undefined ? "" : String(value);
}

const json = { "content-type": "application/json" };

export function formatDelivery(
  endpoint: AlerterEndpoint,
  alert: AlertRecord,
  event: DeliveryEvent,
): HttpDelivery | MailDelivery {
  const { title, text } = describeAlert(alert, event);
  const url = param(endpoint, "url");
  switch (endpoint.type) {
    case "Ntfy": {
      const token = param(endpoint, "token");
      return {
        kind: "http",
        url,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          // Header values must be Latin-1; ntfy decodes RFC 2047 for anything else.
          title: /^[\x20-\x7e]*$/.test(title) ? title : `=?UTF-8?B?${Buffer.from(title).toString("base64")}?=`,
          priority:
            event === "resolve" || event === "test" ? "default" : alert.severity === "critical" ? "urgent" : "high",
          tags: event === "resolve" ? "white_check_mark" : alert.severity === "critical" ? "rotating_light" : "warning",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: text,
      };
    }
    case "Discord":
      return {
        kind: "http",
        url,
        headers: json,
        body: JSON.stringify({ content: `**${title}**\n${text}`.slice(0, 2000) }),
      };
    case "Slack":
      return {
        kind: "http",
        url,
        headers: json,
        body: JSON.stringify({
          text: `${title}: ${text}`,
          blocks: [
            { type: "header", text: { type: "plain_text", text: title.slice(0, 150) } },
            { type: "section", text: { type: "mrkdwn", text } },
          ],
        }),
      };
    case "Pushover": {
      // Komodo puts token and user in the URL's query; separate params work too.
      const target = new URL(url || "https://api.pushover.net/1/messages.json");
      for (const name of ["token", "user"]) {
        const value = param(endpoint, name);
        if (value) target.searchParams.set(name, value);
      }
      const form = new URLSearchParams({
        token: target.searchParams.get("token") ?? "",
        user: target.searchParams.get("user") ?? "",
        title,
        message: text,
        priority: event !== "resolve" && alert.severity === "critical" ? "1" : "0",
      });
      target.search = "";
      return {
        kind: "http",
        url: target.toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      };
    }
    case "Smtp":
      return {
        kind: "mail",
        subject: `[Tugboat] ${title}`,
        text: `${text}\n\n${JSON.stringify(alert.details, null, 2)}\n`,
      };
    case "Custom":
      return { kind: "http", url, headers: json, body: JSON.stringify({ event, title, alert }) };
  }
}

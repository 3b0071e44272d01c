/** A notification as a Discord webhook receives it: one embed, within Discord's limits, pinging no one. */
import { cleanTags, FALLBACK_TITLE, type Notification, type Severity } from './notification.js';
import { cleanLine, stripControls, truncateUtf16Units } from './text.js';

export interface DiscordEmbed {
  title: string;
  description?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  footer?: { text: string };
}

export interface DiscordPayload {
  embeds: [DiscordEmbed];
  allowed_mentions: { parse: [] };
}

/** Discord's documented embed limits, counted in characters. */
export const DISCORD_LIMITS = { title: 256, description: 4096, fieldValue: 1024, footer: 2048, total: 6000 };
const FOOTER_MAX = 256;

const DISCORD_COLOUR: Record<Severity, number> = {
  critical: 0xed4245,
  high: 0xe67e22,
  medium: 0xfee75c,
  low: 0x95a5a6,
};

export function buildDiscordPayload(n: Notification): DiscordPayload {
  const line = (text: string, max: number): string => truncateUtf16Units(neutraliseMentions(cleanLine(text)), max);
  const fields: DiscordEmbed['fields'] = [{ name: 'Severity', value: n.severity, inline: true }];
  if (n.file !== undefined && cleanLine(n.file) !== '') {
    fields.push({ name: 'Incident', value: line(n.file, DISCORD_LIMITS.fieldValue), inline: true });
  }
  const embed: DiscordEmbed = {
    title: line(n.title, DISCORD_LIMITS.title) || FALLBACK_TITLE,
    color: DISCORD_COLOUR[n.severity],
    fields,
  };
  const tags = cleanTags(n.tags).join(' · ');
  if (tags !== '') embed.footer = { text: line(tags, FOOTER_MAX) };
  // Whatever the rest takes, the description gets what is left of the 6000 in all.
  const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - measureEmbed(embed));
  const description = truncateUtf16Units(neutraliseMentions(stripControls(n.message).trim()), room);
  if (description !== '') embed.description = description;
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}

/** The characters Discord counts against the 6000 total. */
export function measureEmbed(embed: DiscordEmbed): number {
  const fields = embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  return embed.title.length + (embed.description?.length ?? 0) + fields + (embed.footer?.text.length ?? 0);
}

/** A zero-width space after the @ keeps the text readable and pings no one. */
function neutraliseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, '@\u200b$1');
}

import { describe, expect, it } from 'vitest';
import { buildDiscordPayload, DISCORD_LIMITS, measureEmbed } from '../../src/core/discord-payload.js';
import type { Notification } from '../../src/core/notification.js';

const base: Notification = { title: 'DB timeout in worker', message: 'Body', severity: 'high', tags: ['db'] };

describe('buildDiscordPayload', () => {
  it('sends one embed that pings no one, coloured by severity', () => {
    const payload = buildDiscordPayload({ ...base, file: '2024-05-01-incident-db.md' });
    expect(payload).toEqual({
      embeds: [
        {
          title: 'DB timeout in worker',
          description: 'Body',
          color: 0xe67e22,
          fields: [
            { name: 'Severity', value: 'high', inline: true },
            { name: 'Incident', value: '2024-05-01-incident-db.md', inline: true },
          ],
          footer: { text: 'db' },
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('gives each severity its own colour', () => {
    const colours = (['critical', 'high', 'medium', 'low'] as const).map(
      (severity) => buildDiscordPayload({ ...base, severity }).embeds[0].color,
    );
    expect(new Set(colours).size).toBe(4);
  });

  it.each([
    ['ASCII', 'x'],
    ['emoji', '🔥'],
    ['family emoji', '👨‍👩‍👧'],
  ])('keeps a huge %s notification within every embed limit', (_label, unit) => {
    const huge = unit.repeat(10_000);
    const [embed] = buildDiscordPayload({
      title: huge,
      message: huge,
      severity: 'low',
      tags: Array(500).fill(huge.slice(0, 200)),
      file: huge,
    }).embeds;
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    for (const field of embed.fields) expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    expect(embed.footer?.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(measureEmbed(embed)).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    expect(embed.description?.endsWith('…')).toBe(true);
  });

  it('neutralises @everyone and @here wherever log text lands', () => {
    const [embed] = buildDiscordPayload({
      title: '@everyone down',
      message: 'ping @here and @Everyone',
      severity: 'critical',
      tags: ['@here'],
      file: '@everyone.md',
    }).embeds;
    const text = JSON.stringify(embed);
    expect(text).not.toMatch(/@(everyone|here)/i);
    expect(embed.title).toBe('@\u200beveryone down');
  });

  it('leaves out an empty description', () => {
    expect(buildDiscordPayload({ ...base, message: ' \r\n ' }).embeds[0]).not.toHaveProperty('description');
  });
});

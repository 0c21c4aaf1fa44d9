/**
 * A horizontal grouped bar chart as a standalone SVG string, written by hand (no plotting
 * dependency): one group per category, one bar per series, values printed at the bar ends.
 */

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1,234,567 → "1.23 M", 45,600 → "45.6 k". */
export function shortNumber(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 1 : 2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)} k`;
  return String(Math.round(value));
}

/**
 * @param {{ title: string, unit: string, series: { name: string, color: string }[],
 *   groups: { label: string, values: (number | null | string)[] }[] }} chart
 *   `values[i]` belongs to `series[i]`; null leaves the bar out, a string is printed instead of
 *   a bar (such as "crashed").
 */
export function barChart({ title, unit, series, groups }) {
  const labelWidth = 170;
  const plotWidth = 520;
  const valueWidth = 90;
  const barHeight = 14;
  const groupGap = 12;
  const top = 46;
  const width = labelWidth + plotWidth + valueWidth;
  const numbers = groups.flatMap((g) => g.values.filter((v) => typeof v === 'number'));
  const max = Math.max(1, ...numbers);
  const rows = groups.map((g) => g.values.filter((v) => v !== null).length);
  const height = top + rows.reduce((sum, n) => sum + n * barHeight + groupGap, 0) + 34;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  // Legend.
  let lx = 10;
  for (const s of series) {
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 14}" y="37">${escapeXml(s.name)}</text>`);
    lx += 24 + s.name.length * 6;
  }
  let y = top;
  for (const group of groups) {
    const n = group.values.filter((v) => v !== null).length;
    if (n === 0) continue;
    out.push(
      `<text x="${labelWidth - 8}" y="${y + (n * barHeight) / 2 + 4}" text-anchor="end">${escapeXml(group.label)}</text>`,
    );
    group.values.forEach((value, i) => {
      if (value === null) return;
      const color = series[i].color;
      if (typeof value === 'string') {
        out.push(`<text x="${labelWidth + 4}" y="${y + barHeight - 3}" fill="#b00020">${escapeXml(value)}</text>`);
      } else {
        const w = Math.max(1, (value / max) * plotWidth);
        out.push(
          `<rect x="${labelWidth}" y="${y + 1}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${color}"/>`,
        );
        out.push(`<text x="${labelWidth + w + 4}" y="${y + barHeight - 3}">${shortNumber(value)}</text>`);
      }
      y += barHeight;
    });
    y += groupGap;
  }
  // Axis.
  out.push(`<line x1="${labelWidth}" y1="${top - 4}" x2="${labelWidth}" y2="${y - groupGap + 4}" stroke="#444"/>`);
  out.push(`<text x="${labelWidth}" y="${height - 10}" fill="#444">0</text>`);
  out.push(
    `<text x="${labelWidth + plotWidth}" y="${height - 10}" fill="#444" text-anchor="end">${shortNumber(max)} ${escapeXml(unit)}</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

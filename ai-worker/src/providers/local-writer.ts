import type { InsightBrief, InsightProse, InsightWriter } from './types.js';

type Language = 'en' | 'pt';

const periodNames: Record<Language, Record<InsightBrief['kind'], string>> = {
  en: { weekly: 'This week', monthly: 'This month', yearly: 'This year', custom: 'In this period' },
  pt: { weekly: 'Esta semana', monthly: 'Este mês', yearly: 'Este ano', custom: 'Neste período' },
};
const weekdayNames: Record<Language, Record<string, string>> = {
  en: {
    monday: 'Monday',
    tuesday: 'Tuesday',
    wednesday: 'Wednesday',
    thursday: 'Thursday',
    friday: 'Friday',
    saturday: 'Saturday',
    sunday: 'Sunday',
  },
  pt: {
    monday: 'segunda-feira',
    tuesday: 'terça-feira',
    wednesday: 'quarta-feira',
    thursday: 'quinta-feira',
    friday: 'sexta-feira',
    saturday: 'sábado',
    sunday: 'domingo',
  },
};

const text = {
  en: {
    wrote: (entries: number, words: number) =>
      `you wrote ${String(entries)} ${entries === 1 ? 'entry' : 'entries'} (${words.toLocaleString('en-US')} words)`,
    mostOn: (day: string) => `, most of it on ${day}`,
    tone: (positive: number, negative: number) =>
      `Your entries were ${String(Math.round(positive))} % positive and ${String(Math.round(negative))} % negative.`,
    themes: (list: string) => `What came up most: ${list}.`,
    quote: (sentence: string) => `You wrote: “${sentence}”`,
    moreDays: 'Try writing a few lines on more days: short entries count too.',
    keepStreak: (days: number) => `You kept a ${String(days)}-day streak: keep it going.`,
    heavy: (theme: string) =>
      `“${theme}” often came with a low mood: it may help to write about what would make it lighter.`,
    restore: 'Several entries were heavy: plan one thing this week that restores you.',
    longer: 'On a calm day, try writing a little longer about how you feel, not only what happened.',
    celebrate: (milestone: string) => `Milestone: ${milestone}. Well done.`,
  },
  pt: {
    wrote: (entries: number, words: number) =>
      `escreveste ${String(entries)} ${entries === 1 ? 'entrada' : 'entradas'} (${words.toLocaleString('pt-PT')} palavras)`,
    mostOn: (day: string) => `, sobretudo à ${day}`,
    tone: (positive: number, negative: number) =>
      `As tuas entradas foram ${String(Math.round(positive))} % positivas e ${String(Math.round(negative))} % negativas.`,
    themes: (list: string) => `O que mais surgiu: ${list}.`,
    quote: (sentence: string) => `Escreveste: “${sentence}”`,
    moreDays: 'Experimenta escrever algumas linhas em mais dias: entradas curtas também contam.',
    keepStreak: (days: number) => `Mantiveste uma sequência de ${String(days)} dias: continua.`,
    heavy: (theme: string) =>
      `“${theme}” surgiu muitas vezes com um humor em baixo: pode ajudar escrever sobre o que o tornaria mais leve.`,
    restore: 'Várias entradas foram pesadas: planeia uma coisa esta semana que te faça bem.',
    longer: 'Num dia calmo, experimenta escrever um pouco mais sobre como te sentes, não só sobre o que aconteceu.',
    celebrate: (milestone: string) => `Marco: ${milestone}. Parabéns.`,
  },
} as const;

/**
 * The default writer: local and deterministic. The summary is the period's figures in a
 * sentence or two and the most representative sentence the user wrote (extractive); the
 * suggestions follow from rules over the figures.
 */
export function createLocalWriter(): InsightWriter {
  return {
    name: 'local',
    write: (brief) => Promise.resolve(writeLocally(brief)),
  };
}

export function writeLocally(brief: InsightBrief): InsightProse {
  const language: Language = brief.language === 'pt' ? 'pt' : 'en';
  const say = text[language];
  const { stats } = brief;
  const opening = `${periodNames[language][brief.kind]} ${say.wrote(stats.entries, stats.totalWords)}${
    stats.mostProductiveWeekday === null ? '' : say.mostOn(weekdayNames[language][stats.mostProductiveWeekday] ?? '')
  }.`;
  const parts = [opening];
  if (stats.entries > 0) parts.push(say.tone(stats.moods.positive, stats.moods.negative));
  if (stats.themes.length > 0)
    parts.push(
      say.themes(
        stats.themes
          .slice(0, 3)
          .map((theme) => theme.phrase)
          .join(', '),
      ),
    );
  const excerpt = brief.excerpts[0];
  if (excerpt !== undefined) parts.push(say.quote(excerpt));

  const suggestions: string[] = [];
  const days = brief.kind === 'weekly' ? 7 : 30;
  if (stats.entries < Math.min(3, days)) suggestions.push(say.moreDays);
  const heavy = stats.themes.find((theme) => theme.count >= 2 && theme.sentiment < -0.1);
  if (heavy !== undefined) suggestions.push(say.heavy(heavy.phrase));
  else if (stats.moods.negative >= 50) suggestions.push(say.restore);
  if (stats.longestStreak >= 3) suggestions.push(say.keepStreak(stats.longestStreak));
  if (stats.entries > 0 && stats.averageWords < 60) suggestions.push(say.longer);
  for (const milestone of stats.milestones) suggestions.push(say.celebrate(milestone));
  return { summary: parts.join(' '), suggestions: suggestions.slice(0, 4), writtenBy: 'local' };
}

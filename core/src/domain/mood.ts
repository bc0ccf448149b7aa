import type { Mood } from './entry.js';

/** Whether a mood is felt as positive (ecstatic, happy), neutral, or negative (sad, anxious, angry). */
export function moodTone(mood: Mood): 'positive' | 'neutral' | 'negative' {
  if (mood === 'ecstatic' || mood === 'happy') return 'positive';
  return mood === 'neutral' ? 'neutral' : 'negative';
}

/**
 * A mood as a score in −1..1, for when no analysis of the entry's text gives one: the same
 * scale as the ai-worker's sentiment score.
 */
export const moodScores: Readonly<Record<Mood, number>> = {
  ecstatic: 1,
  happy: 0.6,
  neutral: 0,
  anxious: -0.5,
  sad: -0.6,
  angry: -0.8,
};

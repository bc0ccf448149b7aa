import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { moods, type Mood } from '../api/types';

/** A radio group named "Mood", one option per mood the API accepts. */
export function MoodPicker({
  value,
  onChange,
}: {
  readonly value: Mood | null;
  readonly onChange: (mood: Mood) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="moods" role="radiogroup" aria-labelledby={`${id}-label`}>
      <span id={`${id}-label`} className="label">
        {t('today.field.mood')}
      </span>
      {moods.map((mood) => (
        <label key={mood} className={`mood mood-${mood}`}>
          <input
            type="radio"
            name={`${id}-mood`}
            value={mood}
            checked={value === mood}
            onChange={() => onChange(mood)}
          />
          {t(`mood.${mood}`)}
        </label>
      ))}
    </div>
  );
}

import { useId, useState, type ReactNode, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { weekdays, type Profile, type Reminders, type Settings as Preferences, type Theme } from '../api/types';
import { inWords } from '../api/words';
import { currentUser, loadProfile } from '../auth/session';
import { ErrorText, Field } from '../components/Field';
import { languages } from '../i18n';

const themes: readonly Theme[] = ['light', 'dark', 'system'];
const preferences: readonly (keyof Preferences)[] = [
  'privateMode',
  'emailWeeklyInsights',
  'emailMonthlyInsights',
  'emailReminderToWrite',
  'autoSave',
];
const timeZones = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])];

/** Sends a change, reads the profile back (the session shows it at once), says how it went. */
function useSave() {
  const { t } = useTranslation();
  const [said, setSaid] = useState<{ readonly ok: boolean; readonly text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (method: string, path: string, body: unknown) => {
    setBusy(true);
    setSaid(null);
    try {
      await api(method, path, { body });
      await loadProfile();
      setSaid({ ok: true, text: t('settings.saved') });
    } catch (error) {
      setSaid({ ok: false, text: inWords(t, error) });
    } finally {
      setBusy(false);
    }
  };
  const outcome: ReactNode =
    said === null ? null : said.ok ? <p role="status">{said.text}</p> : <ErrorText message={said.text} />;
  return { save, busy, outcome };
}

/** The writer's profile (name, time zone, language, theme) and preferences. */
export default function Settings() {
  const { t } = useTranslation();
  const user = currentUser();
  if (user === undefined) return null;
  return (
    <section>
      <h1>{t('settings.title')}</h1>
      <ProfileForm user={user} />
      <PreferencesForm user={user} />
      <RemindersForm user={user} />
    </section>
  );
}

function ProfileForm({ user }: { readonly user: Profile }) {
  const { t } = useTranslation();
  const id = useId();
  const [form, setForm] = useState({
    displayName: user.displayName,
    timezone: user.timezone,
    language: user.language,
    theme: user.theme,
  });
  const { save, busy, outcome } = useSave();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void save('PATCH', '/v1/me', form);
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-profile`}>
      <h2 id={`${id}-profile`}>{t('settings.profile')}</h2>
      <Field
        label={t('auth.displayName')}
        value={form.displayName}
        required
        maxLength={100}
        onChange={(event) => setForm({ ...form, displayName: event.target.value })}
      />
      <div className="field">
        <label htmlFor={`${id}-zone`}>{t('settings.timezone')}</label>
        <select
          id={`${id}-zone`}
          value={form.timezone}
          onChange={(event) => setForm({ ...form, timezone: event.target.value })}
        >
          {timeZones.map((zone) => (
            <option key={zone}>{zone}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-language`}>{t('settings.language')}</label>
        <select
          id={`${id}-language`}
          value={form.language}
          onChange={(event) => setForm({ ...form, language: event.target.value })}
        >
          {languages.map((language) => (
            <option key={language} value={language}>
              {t(`settings.languages.${language}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="moods" role="radiogroup" aria-labelledby={`${id}-theme`}>
        <span id={`${id}-theme`} className="label">
          {t('settings.theme')}
        </span>
        {themes.map((theme) => (
          <label key={theme} className="mood">
            <input
              type="radio"
              name={`${id}-theme-choice`}
              checked={form.theme === theme}
              onChange={() => setForm({ ...form, theme })}
            />
            {t(`settings.themes.${theme}`)}
          </label>
        ))}
      </div>
      <button type="submit" disabled={busy}>
        {t('settings.saveProfile')}
      </button>
      {outcome}
    </form>
  );
}

function PreferencesForm({ user }: { readonly user: Profile }) {
  const { t } = useTranslation();
  const id = useId();
  const [chosen, setChosen] = useState<Preferences>(user.settings);
  const { save, busy, outcome } = useSave();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void save('PUT', '/v1/me/settings', chosen);
  };
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-preferences`}>
      <h2 id={`${id}-preferences`}>{t('settings.preferences')}</h2>
      {preferences.map((name) => (
        <label key={name} className="check">
          <input
            type="checkbox"
            checked={chosen[name]}
            onChange={(event) => setChosen({ ...chosen, [name]: event.target.checked })}
          />
          {t(`settings.choices.${name}`)}
        </label>
      ))}
      <button type="submit" disabled={busy}>
        {t('settings.savePreferences')}
      </button>
      {outcome}
    </form>
  );
}

function RemindersForm({ user }: { readonly user: Profile }) {
  const { t } = useTranslation();
  const id = useId();
  const [chosen, setChosen] = useState<Reminders>(user.reminders);
  const { save, busy, outcome } = useSave();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void save('PUT', '/v1/me/reminders', chosen);
  };
  const toggle = (day: (typeof weekdays)[number], on: boolean) =>
    setChosen({ ...chosen, days: weekdays.filter((d) => (d === day ? on : chosen.days.includes(d))) });
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-reminders`}>
      <h2 id={`${id}-reminders`}>{t('settings.reminders.title')}</h2>
      <p className="hint">{t('settings.reminders.hint', { timezone: user.timezone })}</p>
      <label className="check">
        <input
          type="checkbox"
          checked={chosen.enabled}
          onChange={(event) => setChosen({ ...chosen, enabled: event.target.checked })}
        />
        {t('settings.reminders.enabled')}
      </label>
      <div className="field">
        <label htmlFor={`${id}-time`}>{t('settings.reminders.time')}</label>
        <input
          id={`${id}-time`}
          type="time"
          required
          value={chosen.time}
          onChange={(event) => setChosen({ ...chosen, time: event.target.value.slice(0, 5) })}
        />
      </div>
      <fieldset className="moods">
        <legend className="label">{t('settings.reminders.days')}</legend>
        {weekdays.map((day) => (
          <label key={day} className="mood">
            <input
              type="checkbox"
              checked={chosen.days.includes(day)}
              onChange={(event) => toggle(day, event.target.checked)}
            />
            {t(`settings.reminders.weekdays.${day}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy}>
        {t('settings.reminders.save')}
      </button>
      {outcome}
    </form>
  );
}

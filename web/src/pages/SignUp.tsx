import { Link, useNavigate } from '@tanstack/react-router';
import { useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { inWords } from '../api/words';
import { signIn } from '../auth/session';
import { ErrorText, Field } from '../components/Field';
import { currentLanguage } from '../i18n';

/** The versions of the documents a writer agrees to when signing up. */
const termsVersion = '2026-01';
const privacyPolicyVersion = '2026-01';

/** Create an account (with consent), then sign in. */
export function SignUp() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [form, setForm] = useState({ displayName: '', email: '', password: '' });
  const [consent, setConsent] = useState({ terms: false, privacy: false, marketing: false });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!consent.terms || !consent.privacy) {
      setError(t('auth.consentNeeded'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/v1/auth/register', {
        body: {
          ...form,
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          language: currentLanguage(),
          consent: {
            termsVersion,
            privacyPolicyVersion,
            dataProcessing: consent.privacy,
            marketing: consent.marketing,
          },
        },
      });
      await signIn(form.email, form.password);
      await navigate({ to: '/today' });
    } catch (failure) {
      setError(inWords(t, failure));
    } finally {
      setBusy(false);
    }
  };

  const checkbox = (name: keyof typeof consent, label: string) => (
    <label className="check">
      <input
        type="checkbox"
        checked={consent[name]}
        onChange={(event) => setConsent({ ...consent, [name]: event.target.checked })}
      />
      {label}
    </label>
  );

  return (
    <section className="narrow">
      <h1>{t('auth.signUpTitle')}</h1>
      <form onSubmit={(event) => void submit(event)}>
        <Field
          label={t('auth.displayName')}
          autoComplete="nickname"
          required
          maxLength={100}
          value={form.displayName}
          onChange={(event) => setForm({ ...form, displayName: event.target.value })}
        />
        <Field
          label={t('auth.email')}
          type="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={(event) => setForm({ ...form, email: event.target.value })}
        />
        <Field
          label={t('auth.password')}
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          hint={t('auth.passwordHint')}
          value={form.password}
          onChange={(event) => setForm({ ...form, password: event.target.value })}
        />
        <div className="consent">
          {checkbox('terms', t('auth.terms'))}
          {checkbox('privacy', t('auth.privacy'))}
          {checkbox('marketing', t('auth.marketing'))}
        </div>
        <ErrorText message={error} />
        <button type="submit" disabled={busy}>
          {t('auth.signUp')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to="/sign-in">{t('auth.signIn')}</Link>
      </p>
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { goalKinds, type Achievements, type CommandResult, type Goal, type GoalKind } from '../api/types';
import { inWords } from '../api/words';
import { Answer } from '../components/Answer';
import { ErrorText } from '../components/Field';
import { OwnPrompts } from '../habits/OwnPrompts';
import { OwnTemplates } from '../habits/OwnTemplates';
import { RemovableItem } from '../habits/RemovableItem';

const habitKeys = { goals: ['goals'], achievements: ['achievements'] } as const;

/**
 * The writer's goals with their progress, their achievements (unlocked, and the next ones), and
 * their own templates and prompts.
 */
export default function Habits() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('habits.title')}</h1>
      <Goals />
      <AchievementList />
      <OwnTemplates />
      <OwnPrompts />
      <p className="hint">{t('habits.hint')}</p>
    </section>
  );
}

function Goals() {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const goals = useQuery({
    queryKey: habitKeys.goals,
    queryFn: ({ signal }) => api<{ items: Goal[] }>('GET', '/v1/goals', { signal }),
  });
  const [kind, setKind] = useState<GoalKind>('entries-per-week');
  const [target, setTarget] = useState(3);
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: habitKeys.goals });
    void queries.invalidateQueries({ queryKey: habitKeys.achievements });
  };
  const add = useMutation({
    mutationFn: () => api<CommandResult>('POST', '/v1/goals', { body: { kind, target } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (goal: Goal) =>
      api<CommandResult>('DELETE', `/v1/goals/${encodeURIComponent(goal.id)}`, { ifMatch: goal.version }),
    onSuccess: refresh,
  });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section aria-labelledby={`${id}-goals`}>
      <h2 id={`${id}-goals`}>{t('habits.goals')}</h2>
      <Answer query={goals} empty={t('habits.noGoals')}>
        {(items) => (
          <ul className="entries">
            {items.map((goal) => (
              <RemovableItem
                key={goal.id}
                label={t('habits.remove', { goal: t(`habits.kinds.${goal.kind}`, { count: goal.target }) })}
                removing={remove.isPending}
                onRemove={() => remove.mutate(goal)}
              >
                <span className="title">{t(`habits.kinds.${goal.kind}`, { count: goal.target })}</span>
                <label className="hint" htmlFor={`${id}-${goal.id}`}>
                  {t('habits.progress', { progress: goal.progress, target: goal.target })}
                  {goal.achieved ? ` · ${t('habits.achieved')}` : ''}
                </label>
                <progress id={`${id}-${goal.id}`} max={goal.target} value={Math.min(goal.progress, goal.target)} />
                {goal.history.length > 0 && (
                  <span className="hint">
                    {t('habits.history', { count: goal.history.filter((period) => period.achieved).length })}
                  </span>
                )}
              </RemovableItem>
            ))}
          </ul>
        )}
      </Answer>
      <form className="filters" onSubmit={submit} aria-labelledby={`${id}-new`}>
        <h3 id={`${id}-new`}>{t('habits.newGoal')}</h3>
        <div className="field">
          <label htmlFor={`${id}-kind`}>{t('habits.kind')}</label>
          <select
            id={`${id}-kind`}
            value={kind}
            onChange={(event) => setKind(goalKinds.find((k) => k === event.target.value) ?? 'entries-per-week')}
          >
            {goalKinds.map((k) => (
              <option key={k} value={k}>
                {t(`habits.kindNames.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-target`}>{t('habits.target')}</label>
          <input
            id={`${id}-target`}
            type="number"
            min={1}
            max={kind === 'entries-per-week' ? 7 : kind === 'streak' ? 3650 : 100_000}
            required
            value={target}
            onChange={(event) => setTarget(Number(event.target.value))}
          />
        </div>
        <div className="field">
          <button type="submit" disabled={add.isPending}>
            {t('habits.add')}
          </button>
        </div>
      </form>
      {(add.isError || remove.isError) && <ErrorText message={inWords(t, add.error ?? remove.error)} />}
    </section>
  );
}

function AchievementList() {
  const { t } = useTranslation();
  const id = useId();
  const achievements = useQuery({
    queryKey: habitKeys.achievements,
    queryFn: ({ signal }) => api<Achievements>('GET', '/v1/achievements', { signal }),
  });
  return (
    <section aria-labelledby={`${id}-achievements`}>
      <h2 id={`${id}-achievements`}>{t('habits.achievements')}</h2>
      <Answer query={achievements} empty={t('habits.noAchievements')}>
        {(items) => (
          <ul className="entries" aria-label={t('habits.unlocked')}>
            {items.map((item) => (
              <li key={item.code}>
                <span className="title">{item.title}</span>
                <span>{item.description}</span>
                <span className="date">{new Date(item.unlockedAt).toLocaleDateString()}</span>
              </li>
            ))}
          </ul>
        )}
      </Answer>
      {achievements.data !== undefined && achievements.data.next.length > 0 && (
        <>
          <h3>{t('habits.next')}</h3>
          <ul className="entries" aria-label={t('habits.next')}>
            {achievements.data.next.slice(0, 4).map((item) => (
              <li key={item.code}>
                <label className="title" htmlFor={`${id}-${item.code}`}>
                  {item.title}
                </label>
                <progress id={`${id}-${item.code}`} max={item.target} value={item.progress} />
                <span className="hint">{t('habits.progress', { progress: item.progress, target: item.target })}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

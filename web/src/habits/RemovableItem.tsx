import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** An item of a list of the writer's own things, with its remove button (`label` names what it removes). */
export function RemovableItem({
  label,
  removing,
  onRemove,
  children,
}: {
  readonly label: string;
  readonly removing: boolean;
  readonly onRemove: () => void;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <li>
      {children}
      <button type="button" className="quiet" disabled={removing} aria-label={label} onClick={onRemove}>
        {t('habits.removeShort')}
      </button>
    </li>
  );
}

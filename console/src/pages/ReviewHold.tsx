import type { Page, ProcessView, TaskItem } from '../../../api/schemas';
import { api, type Me } from '../api';
import { useLoad } from '../common';
import { useI18n } from '../i18n';

/**
 * Who holds this process's pending review (from the inbox, `GET /v1/tasks`), with claim and release,
 * so that two reviewers do not work on one review at once.
 */
export function ReviewHold({ view, me, onError }: { view: ProcessView; me: Me; onError: (error: unknown) => void }) {
  const { t } = useI18n();
  const { value: task, reload } = useLoad(async () => {
    const query = new URLSearchParams({ kind: view.kind, partnerId: view.partnerId, limit: '100', ...(me.role === 'ops' ? { role: 'reviewer' } : {}) });
    const page = await api<Page<TaskItem>>('GET', `/v1/tasks?${query}`);
    return page.items.find((item) => item.id === view.id)?.task ?? null;
  }, [view.id, view.version]);
  if (!task) return null;
  const hold = async (what: 'claim' | 'release') => {
    onError(undefined);
    try {
      await api('POST', `/v1/tasks/${encodeURIComponent(view.id)}/${what}`, {});
    } catch (err) {
      onError(err);
    }
    reload();
  };
  return (
    <div class="card row" data-testid="hold" data-claimed-by={task.claimedBy ?? ''}>
      <span>{task.claimedBy ? `${t('reviewHeld')} ${task.claimedBy}` : t('reviewFree')}</span>
      {task.claimedBy !== me.id && me.role === 'reviewer' && <button onClick={() => hold('claim')}>{t('claim')}</button>}
      {task.claimedBy && (task.claimedBy === me.id || me.role === 'ops') && <button onClick={() => hold('release')}>{t('release')}</button>}
    </div>
  );
}

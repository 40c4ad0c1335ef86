import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Labels, Lang } from './model';

/**
 * The console's own words in both languages. Process kinds, states and events carry their labels from
 * the API (`label: { en, zh-CN }`); this dictionary is only for the screen's chrome and field names.
 */
export type { Labels, Lang };

const words = {
  appName: ['partnerflow console', '合作伙伴流程控制台'],
  signIn: ['Sign in', '登录'],
  signOut: ['Sign out', '退出'],
  apiKey: ['API key', 'API 密钥'],
  signInHint: ['Paste your API key. It stays in this browser tab only.', '请粘贴您的 API 密钥，它仅保存在当前浏览器标签页中。'],
  processes: ['Processes', '流程'],
  inbox: ['Inbox', '待办'],
  start: ['Start a process', '发起流程'],
  kind: ['Kind', '类型'],
  partner: ['Partner', '合作伙伴'],
  status: ['Status', '状态'],
  updated: ['Updated', '更新时间'],
  waitingFor: ['Waiting for', '等待'],
  since: ['Waiting since', '等待自'],
  due: ['Due', '截止'],
  overdue: ['overdue', '已逾期'],
  claimedBy: ['Held by', '处理人'],
  claim: ['Claim', '认领'],
  release: ['Release', '释放'],
  open: ['Open', '打开'],
  none: ['Nothing here yet.', '暂无内容。'],
  inboxEmpty: ['Nothing waits for you.', '没有等待您处理的事项。'],
  done: ['ended', '已结束'],
  diagram: ['Diagram', '流程图'],
  diagramHint: ['The highlighted state is where the process is now.', '高亮的状态为流程当前所处状态。'],
  timeline: ['Records (GMT+08:00)', '记录（GMT+08:00）'],
  actions: ['What you can do now', '您现在可以执行的操作'],
  noActions: ['Nothing for you to do in this status.', '当前状态下您没有可执行的操作。'],
  data: ['Details', '详细信息'],
  businessKey: ['Business key', '业务标识'],
  partnerId: ['Partner id', '合作伙伴 ID'],
  startIt: ['Start', '发起'],
  chooseKind: ['Choose what to start', '选择要发起的流程'],
  send: ['Send', '提交'],
  add: ['Add', '添加'],
  remove: ['Remove', '删除'],
  refused: ['Refused', '被拒绝'],
  loading: ['Loading…', '加载中…'],
  role: ['Role', '角色'],
  comment: ['Comment', '意见'],
  started: ['Started', '发起'],
  back: ['Back', '返回'],
  reviewHeld: ['This review is held by', '此审核当前由以下人员处理：'],
  reviewFree: ['Nobody holds this review yet.', '此审核尚无人认领。'],
  migrations: ['Migrations', '版本迁移'],
  migrationsHint: [
    'Move the open processes of a kind to another version of its rules. Plan first: nothing changes until you migrate.',
    '将某类流程中未结束的流程迁移到其规则的另一个版本。请先预演：在执行迁移之前不会有任何改变。',
  ],
  toVersion: ['To version', '目标版本'],
  openProcesses: ['open', '个未结束'],
  dryRun: ['Plan (dry run)', '预演'],
  migrateNow: ['Migrate now', '立即迁移'],
  migrationRunning: ['Migrating…', '迁移中…'],
  migrationDone: ['Migration done', '迁移完成'],
  moved: ['moved', '已迁移'],
  stayed: ['stayed', '未迁移'],
  failed: ['failed', '失败'],
  pending: ['pending', '待处理'],
  process: ['Process', '流程'],
  fromVersion: ['From', '原版本'],
  verdict: ['Verdict', '结论'],
  moves: ['moves', '可迁移'],
  stays: ['stays', '不迁移'],
  whyOrWhere: ['To state, or why not', '目标状态或原因'],
  whatIf: ['What if (its past under the new rules)', '假设（按新规则重放历史）'],
  ssoSignIn: ['Sign in with your organisation', '使用企业账号登录'],
  ssoHint: ['Reviewers and ops: sign in at your organisation’s identity provider.', '审核员与运营人员：请通过企业身份提供方登录。'],
  keySignIn: ['Partners and apps: API key', '合作伙伴与应用：API 密钥'],
  onBehalfOf: ['on behalf of', '代表'],
  forReviewer: ['for', '代'],
  selectAll: ['Select all', '全选'],
  decideSelected: ['Decide the selected reviews', '批量审核所选事项'],
  approveSelected: ['Approve selected', '批量通过'],
  rejectSelected: ['Reject selected', '批量驳回'],
  bulkOutcome: ['Applied', '已处理'],
  applied: ['applied', '已生效'],
  away: ['Away', '外出代理'],
  awayHint: [
    'While you are away, the reviews you hold and their reminders go to your delegate, who decides them on your behalf; the records show both names.',
    '外出期间，您认领的审核及其提醒将转交给代理人，由其代您审核；记录中会同时显示双方姓名。',
  ],
  reviewer: ['Reviewer', '审核员'],
  delegate: ['Delegate (a reviewer)', '代理人（审核员）'],
  from: ['From', '开始'],
  until: ['Until', '结束'],
  setDelegate: ['Set delegate', '设置代理人'],
  noDelegations: ['No delegation now or later.', '当前及之后均无代理安排。'],
  activeNow: ['now', '生效中'],
  cancel: ['Call off', '取消'],
  report: ['Review times', '审核时效'],
  allKinds: ['All kinds', '全部类型'],
  byKind: ['By kind: working hours from submission to decision', '按类型：从提交到审核结论的工作时长'],
  byReviewer: ['By reviewer: working hours from submission to decision', '按审核员：从提交到审核结论的工作时长'],
  decided: ['decided', '已审核'],
  late: ['late', '逾期'],
  median: ['median', '中位数'],
  p90: ['90th percentile', '90 分位'],
  onBehalfShort: ['for others', '代审'],
  workingHoursNote: ['working hours: Monday–Friday 09:00–18:00 GMT+08:00', '工作时间：周一至周五 09:00–18:00（GMT+08:00）'],
  nothingDecided: ['Nothing was decided in this period.', '此期间内没有审核结论。'],
  keys: ['API keys', 'API 密钥'],
  keysHintOps: ['Every managed key. A key is shown once, when it is made; the JSON keys file stays for development installs.', '所有托管密钥。密钥仅在创建时显示一次；JSON 密钥文件仍用于开发环境。'],
  keysHintPartner: ['Keys of your own people and apps. A key is shown once, when it is made.', '贵司人员与应用的密钥。密钥仅在创建时显示一次。'],
  identity: ['Identity (person or app)', '身份（人员或应用）'],
  expires: ['Expires', '到期'],
  keyName: ['Name', '名称'],
  makeKey: ['Make key', '创建密钥'],
  keyShownOnce: ['Your new key, shown this once: copy it now.', '新密钥仅显示这一次，请立即复制：'],
  keyPrefix: ['Key', '密钥'],
  created: ['Created', '创建时间'],
  lastUsed: ['Last used', '最近使用'],
  revoke: ['Revoke', '吊销'],
  keyAudit: ['Key events', '密钥事件'],
  active: ['active', '有效'],
  revoked: ['revoked', '已吊销'],
  expired: ['expired', '已过期'],
  by: ['by', '操作人'],
} satisfies Record<string, [string, string]>;

export type Word = keyof typeof words;

/** Field names of the events' and inputs' JSON Schemas, and the values of their enumerations. */
const fields: Record<string, [string, string]> = {
  businessKey: ['Business key (e.g. your project or order)', '业务标识（如项目或订单号）'],
  partnerId: ['Partner id', '合作伙伴 ID'],
  companyName: ['Company name', '公司名称'],
  contactEmail: ['Contact email', '联系邮箱'],
  email: ['Email', '邮箱'],
  program: ['Program', '计划'],
  level: ['Level', '级别'],
  materials: ['Materials', '材料'],
  evidence: ['Evidence', '证明材料'],
  name: ['Name', '名称'],
  url: ['Link', '链接'],
  note: ['Note', '备注'],
  comment: ['Comment', '意见'],
  licenseNumber: ['Business license number', '营业执照编号'],
  role: ['Role', '角色'],
  project: ['Project', '项目'],
  milestone: ['Milestone', '里程碑'],
  solution: ['Solution', '解决方案'],
  description: ['Description', '描述'],
  plan: ['Plan', '计划说明'],
  subject: ['Review', '审核项'],
  result: ['Result', '结论'],
  customerId: ['Customer id', '客户 ID'],
  phone: ['Phone', '手机号'],
  reason: ['Reason', '原因'],
  associationType: ['Association type', '关联类型'],
  associatedSince: ['Associated since', '关联起始日期'],
  customer: ['Customer', '客户'],
  orderId: ['Order', '订单号'],
  product: ['Product', '产品'],
  orderType: ['Order type', '订单类型'],
  amount: ['Amount', '金额'],
  currency: ['Currency', '币种'],
  method: ['Method', '方式'],
  invoiceNumber: ['Invoice number', '发票号码'],
  'solution-provider': ['Solution provider', '解决方案提供商'],
  initiation: ['Initiation', '立项'],
  'joint-design': ['Joint design & verification', '联合设计与验证'],
  passed: ['Passed', '通过'],
  failed: ['Failed', '不通过'],
  referral: ['Referral', '推荐'],
  'advance-payment': ['Advance payment', '垫付'],
  resale: ['Resale', '代售'],
  'cloud-service': ['Cloud service', '云服务'],
  'stored-value-card': ['Stored-value card', '储值卡'],
  online: ['Online', '在线支付'],
  balance: ['Account balance', '账户余额'],
  'bank-transfer': ['Bank transfer', '银行转账'],
  'digital-transformation-consultant': ['Digital transformation consultant', '数字化转型咨询顾问'],
  'system-integrator': ['System integrator', '系统集成商'],
  'cloud-migration-specialist': ['Cloud migration specialist', '上云迁移专家'],
  partner: ['partner', '合作伙伴'],
  reviewer: ['reviewer', '审核员'],
  customer_role: ['customer', '客户'],
  ops: ['ops', '运营'],
  system: ['system', '系统'],
  manager: ['manager', '客户经理'],
};

const index = (lang: Lang) => (lang === 'en' ? 0 : 1);

/** `fieldName` → its name in `lang`, or the name itself spelled out when the dictionary lacks it. */
export function fieldLabel(lang: Lang, name: string): string {
  const known = fields[name];
  if (known) return known[index(lang)];
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

export function roleLabel(lang: Lang, role: string): string {
  return (fields[role === 'customer' ? 'customer_role' : role] ?? [role, role])[index(lang)];
}

export interface I18n {
  lang: Lang;
  t: (word: Word) => string;
  pick: (labels: Labels | undefined, fallback?: string) => string;
  field: (name: string) => string;
  role: (role: string) => string;
}

export function i18n(lang: Lang): I18n {
  return {
    lang,
    t: (word) => words[word][index(lang)],
    pick: (labels, fallback = '') => labels?.[lang] ?? labels?.en ?? fallback,
    field: (name) => fieldLabel(lang, name),
    role: (role) => roleLabel(lang, role),
  };
}

export const LangContext = createContext<I18n>(i18n('en'));
export const useI18n = () => useContext(LangContext);

export function storedLang(): Lang {
  const saved = localStorage.getItem('pf.lang');
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

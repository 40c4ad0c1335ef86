import { createHash } from 'node:crypto';
import { formatCny } from '../machines/money';
import { beijingClock } from '../machines/time';

/** The printable invoice list (开票清单, R62): what the partner's offline invoice must show. */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface InvoiceListData {
  processId: string;
  partnerId: string;
  partnerName: string | null;
  month: string;
  invoiceListNo: string;
  appliedAt: string;
  invoiceTo: { name: string; taxId: string; address?: string; bank?: string; invoiceType: { en: string; 'zh-CN': string } };
  items: Array<{ item: string; amountCents: number }>;
  totalCents: number;
}

/** The page's only style and script, allowed by their hashes: nothing else inline can run on it (no 'unsafe-inline'). */
const style = `
  body { font-family: sans-serif; margin: 2em; color: #111; }
  table { border-collapse: collapse; margin: 1em 0; min-width: 32em; }
  th, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: left; }
  .amount { text-align: right; font-variant-numeric: tabular-nums; }
  @media print { .no-print { display: none; } body { margin: 0; } }
`;
const script = "document.getElementById('print').addEventListener('click', () => window.print());";
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
export const invoiceListPolicy = `default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function renderInvoiceList(d: InvoiceListData): string {
  const e = escapeHtml;
  const row = (zh: string, en: string, value: string | undefined) => (value ? `<tr><th>${zh} / ${en}</th><td>${e(value)}</td></tr>` : '');
  const items = d.items
    .map((item, i) => `<tr><td>${i + 1}</td><td>${e(item.item)}</td><td class="amount">${e(formatCny(item.amountCents))}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>开票清单 Invoice list ${e(d.invoiceListNo)}</title>
<style>${style}</style>
</head>
<body>
<h1>开票清单 / Invoice list</h1>
<p class="no-print"><button id="print">打印 / Print</button></p>
<table>
${row('清单编号', 'List no.', d.invoiceListNo)}
${row('伙伴', 'Partner', d.partnerName ? `${d.partnerName} (${d.partnerId})` : d.partnerId)}
${row('账期', 'Bill month', d.month)}
${row('申请时间', 'Applied at', beijingClock(d.appliedAt))}
${row('发票类型', 'Invoice type', `${d.invoiceTo.invoiceType['zh-CN']} / ${d.invoiceTo.invoiceType.en}`)}
${row('发票抬头', 'Invoice to', d.invoiceTo.name)}
${row('纳税人识别号', 'Taxpayer ID', d.invoiceTo.taxId)}
${row('地址、电话', 'Address', d.invoiceTo.address)}
${row('开户行及账号', 'Bank', d.invoiceTo.bank)}
</table>
<table>
<thead><tr><th>#</th><th>项目 / Item</th><th class="amount">金额 / Amount</th></tr></thead>
<tbody>
${items}
</tbody>
<tfoot><tr><th colspan="2">合计 / Total</th><th class="amount">${e(formatCny(d.totalCents))}</th></tr></tfoot>
</table>
<p>请根据本清单线下开具发票并寄送。Please issue the invoice offline as listed and send it to us.</p>
<p><small>${e(d.processId)}</small></p>
<script>${script}</script>
</body>
</html>
`;
}

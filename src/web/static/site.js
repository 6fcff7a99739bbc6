// The few behaviours pages need, from this origin (the content security
// policy allows no inline script): a print button.
document.querySelectorAll('[data-print]').forEach(b => b.addEventListener('click', () => window.print()));

// The import form: the file goes to the API as it is, with the session's
// CSRF token; the answer (what changed, or every bad row) becomes a table.
const importForm = document.querySelector('form[data-import]');
if (importForm) {
  const types = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', json: 'application/json' };
  const out = document.getElementById('import-result');
  const say = (text, cls) => { const p = document.createElement('p'); p.className = cls; p.textContent = text; out.replaceChildren(p); return p; };
  importForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = importForm.file.files[0];
    if (!file) return;
    const type = types[file.name.split('.').pop().toLowerCase()];
    if (!type) { say('只能上传 .csv、.xlsx 或 .json 文件。', 'alert'); return; }
    say('正在导入 ' + file.name + ' …', 'meta');
    let res, body;
    try {
      res = await fetch('/api/v1/imports/' + importForm.kind.value, {
        method: 'POST', body: file, credentials: 'same-origin',
        headers: { 'Content-Type': type, 'X-CSRF-Token': importForm.dataset.csrf }
      });
      body = await res.json();
    } catch (e) { say('上传失败：' + e, 'alert'); return; }
    if (res.ok) {
      say('导入完成：新增 ' + body.rows_added + ' 行，更新 ' + body.rows_updated + ' 行，未变 ' + body.rows_unchanged + ' 行。', 'done');
      return;
    }
    const rows = (body.details && body.details.rows) || [];
    const head = say(rows.length ? '文件未导入，数据没有任何改动。有错误的行共 ' + body.details.bad_rows + ' 行，' + (body.details.bad_rows > rows.length ? '以下列出前 ' + rows.length + ' 条' : '以下逐条列出') + '：' : '文件未导入：' + body.message, 'alert');
    if (!rows.length) return;
    const table = document.createElement('table'); table.className = 'row-errors';
    const thead = table.createTHead().insertRow();
    for (const h of ['行号', '列', '内容', '问题']) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = h; thead.appendChild(th); }
    const tbody = table.createTBody();
    for (const r of rows) { const tr = tbody.insertRow(); for (const v of [r.row, r.column, r.value, r.reason]) tr.insertCell().textContent = v; }
    const wrap = document.createElement('div'); wrap.className = 'table-wrap'; wrap.appendChild(table);
    head.after(wrap);
  });
}

// A file chosen for a textarea is read into it (the what-if draft).
document.querySelectorAll('input[type=file][data-load-into]').forEach(input => input.addEventListener('change', async () => {
  const target = document.getElementById(input.dataset.loadInto);
  if (input.files[0] && target) target.value = await input.files[0].text();
}));

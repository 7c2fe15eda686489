// RaftTimers dashboard: plain JavaScript, no dependencies, no build step. It polls this node's
// dashboard/api/activity (every second) and dashboard/api/cluster (every two seconds), draws its own charts on
// canvas, calls the timer API (GET and DELETE /timer/{id}) for lookups and cancels, and follows GET /events (read
// with fetch rather than EventSource, which cannot send the API token). Every URL is relative to
// /dashboard/, so the page also works behind a proxy that serves the node under a path prefix.
'use strict';

(() => {
  const TOKEN_KEY = 'rafttimers.apiToken';
  const ACTIVITY_EVERY_MS = 1000;
  const CLUSTER_EVERY_MS = 2000;
  const $ = (id) => document.getElementById(id);

  // ---- API token: asked for when an answer is 401, kept in this tab's sessionStorage only. ----

  let waitingForToken = false;
  let retryAfterToken = [];

  const readToken = () => sessionStorage.getItem(TOKEN_KEY);

  function authHeaders() {
    const token = readToken();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  function askForToken(retry) {
    const hadToken = readToken() !== null;
    waitingForToken = true;
    if (retry && !retryAfterToken.includes(retry)) retryAfterToken.push(retry);
    $('token-message').textContent = hadToken
      ? 'The node rejected the token. Enter the timer API token again.'
      : 'This node requires a bearer token for the timer API. It is kept in this browser tab only (sessionStorage).';
    $('token-message').classList.toggle('error', hadToken);
    $('token-panel').hidden = false;
    $('token-input').focus();
  }

  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token-input').value = '';
    $('token-panel').hidden = true;
    $('forget-token').hidden = false;
    waitingForToken = false;
    const retries = retryAfterToken;
    retryAfterToken = [];
    retries.forEach((retry) => retry());
  });

  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $('forget-token').hidden = true;
  });
  $('forget-token').hidden = readToken() === null;

  const reasonOf = (response) => response.headers.get('x-skyring-reason') || `HTTP ${response.status}`;

  // ---- Formatting ----

  const pad = (n) => String(n).padStart(2, '0');
  function clock(ms) {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  // "in N s" and "N s ago" are counted on the node's clock, not the browser's (which may be off by minutes): the
  // activity answer says what time it is on the node, and that offset from the browser's clock is kept for the
  // times shown between two answers (a timer looked up).
  let serverOffsetMs = 0;
  const serverNow = () => Date.now() + serverOffsetMs;

  function relative(ms, nowMs = serverNow()) {
    const seconds = Math.round((ms - nowMs) / 100) / 10;
    if (Math.abs(seconds) < 0.05) return 'now';
    const text = Math.abs(seconds) >= 120 ? `${Math.round(Math.abs(seconds) / 60)} min` : `${Math.abs(seconds).toFixed(1)} s`;
    return seconds > 0 ? `in ${text}` : `${text} ago`;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === null || text === undefined ? '–' : String(text);
    if (className) td.className = className;
    return td;
  }

  // ---- Charts: a small canvas line chart, with the plotted values also in the DOM (data-points, legend). ----

  const COLORS = ['#2463c7', '#e08a00'];

  function niceCeiling(value) {
    if (value <= 1) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  function ensureChart(figure) {
    if (figure.querySelector('canvas')) return;
    const caption = document.createElement('figcaption');
    const title = document.createElement('span');
    title.textContent = figure.dataset.title;
    const legend = document.createElement('span');
    legend.className = 'legend';
    caption.append(title, legend);
    figure.append(caption, document.createElement('canvas'));
  }

  function drawChart(figure, series) {
    ensureChart(figure);
    const canvas = figure.querySelector('canvas');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    const height = canvas.clientHeight || 110;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }

    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const left = 40;
    const right = 6;
    const top = 6;
    const bottom = 16;
    const plotWidth = width - left - right;
    const plotHeight = height - top - bottom;
    const max = niceCeiling(Math.max(0, ...series.flatMap((s) => s.values)));
    const y = (v) => top + plotHeight - (v / max) * plotHeight;

    ctx.font = '10px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (const fraction of [0, 0.5, 1]) {
      const lineY = Math.round(y(max * fraction)) + 0.5;
      ctx.strokeStyle = '#dde3ea';
      ctx.beginPath();
      ctx.moveTo(left, lineY);
      ctx.lineTo(width - right, lineY);
      ctx.stroke();
      ctx.fillStyle = '#667385';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      const label = max * fraction;
      ctx.fillText(Number.isInteger(label) ? String(label) : label.toFixed(1), left - 4, lineY);
    }

    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    ctx.fillText(`-${series[0].values.length} s`, left, height - 3);
    ctx.textAlign = 'right';
    ctx.fillText('now', width - right, height - 3);

    series.forEach((s, index) => {
      const n = s.values.length;
      ctx.strokeStyle = COLORS[index % COLORS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        const x = left + (n <= 1 ? plotWidth : (i * plotWidth) / (n - 1));
        if (i === 0) ctx.moveTo(x, y(v));
        else ctx.lineTo(x, y(v));
      });
      ctx.stroke();
    });

    // What was plotted, for people (the legend) and for tests (data attributes): numbers, not pixels.
    const first = series[0].values;
    const latest = first.length ? first[first.length - 1] : 0;
    const total = first.reduce((a, b) => a + b, 0);
    const peak = Math.max(0, ...first);
    figure.dataset.points = first.join(',');
    figure.dataset.latest = String(latest);
    figure.dataset.total = String(total);
    figure.dataset.max = String(peak);
    const legend = figure.querySelector('.legend');
    legend.replaceChildren();
    if (series.length === 1) {
      legend.textContent = `now ${latest}/s · peak ${peak} · ${total} in window`;
    } else {
      series.forEach((s, index) => {
        const swatch = document.createElement('span');
        swatch.className = `swatch swatch-${index}`;
        const part = document.createElement('span');
        part.textContent = `${s.label} ${Math.max(0, ...s.values)} `;
        legend.append(swatch, part);
      });
    }
  }

  // ---- Activity: pending timers, next due, charts, recent failures. ----

  let activityBusy = false;

  async function refreshActivity() {
    if (activityBusy || waitingForToken) return;
    activityBusy = true;
    try {
      const response = await fetch('api/activity', { headers: authHeaders(), cache: 'no-store' });
      if (response.status === 401) {
        askForToken(refreshActivity);
        return;
      }
      if (!response.ok) {
        showActivityError(`activity: ${reasonOf(response)}`);
        return;
      }
      renderActivity(await response.json());
      $('activity-error').hidden = true;
    } catch (error) {
      showActivityError(`activity: ${error.message}`);
    } finally {
      activityBusy = false;
    }
  }

  function showActivityError(text) {
    $('activity-error').textContent = text;
    $('activity-error').hidden = false;
  }

  function renderActivity(a) {
    serverOffsetMs = a.nowUnixMs - Date.now();
    $('served-by').textContent = `served by node ${a.nodeId}`;
    $('pending-timers').textContent = a.pendingTimers.toLocaleString('en');
    $('pending-timers').dataset.value = String(a.pendingTimers);
    const nextDue = $('next-due');
    if (a.nextDue) {
      nextDue.textContent = `${a.nextDue.id} — ${relative(a.nextDue.dueAtUnixMs, a.nowUnixMs)} (${clock(a.nextDue.dueAtUnixMs)})`;
      nextDue.dataset.id = a.nextDue.id;
      nextDue.dataset.dueAt = a.nextDue.dueAt;
    } else if (a.nextDueKnown === false) {
      // The node rebuilds what it knows of it at most every 30 s (a snapshot install made it start again).
      nextDue.textContent = 'not known right now (worked out again within 30 s)';
      nextDue.dataset.id = '';
      nextDue.dataset.dueAt = '';
    } else {
      nextDue.textContent = 'no pending timer';
      nextDue.dataset.id = '';
      nextDue.dataset.dueAt = '';
    }

    const notes = [];
    if (a.observingSinceUnixMs > a.firstSecondUnix * 1000) notes.push(`This node has counted since ${clock(a.observingSinceUnixMs)}.`);
    if (a.snapshotInstalledAtUnixMs) notes.push(`It installed a snapshot at ${clock(a.snapshotInstalledAtUnixMs)}; entries inside it are not in the charts.`);
    $('activity-note').textContent = notes.join(' ');

    $('window-seconds').textContent = String(a.seconds);
    document.querySelectorAll('#charts-panel .chart').forEach((figure) => {
      figure.dataset.firstSecond = String(a.firstSecondUnix);
      const names = figure.dataset.series.split(',');
      drawChart(figure, names.map((name) => ({
        name,
        label: name.startsWith('latenessMax') ? 'max' : name.startsWith('latenessAvg') ? 'avg' : name,
        values: a.series[name] || [],
      })));
    });

    renderFailures(a.recentFailures);
  }

  function renderFailures(failures) {
    const body = $('failures').tBodies[0];
    body.replaceChildren();
    for (const f of failures) {
      const row = body.insertRow();
      row.dataset.timerId = f.timerId;
      cell(row, clock(Date.parse(f.at)));
      const idCell = cell(row, '');
      const link = document.createElement('button');
      link.type = 'button';
      link.className = 'link timer-link';
      link.textContent = f.timerId;
      link.addEventListener('click', () => {
        $('lookup-id').value = f.timerId;
        lookUp(f.timerId);
      });
      idCell.append(link);
      cell(row, `${f.attempt} (v${f.version})`, 'num');
      cell(row, f.final ? 'failed' : 'will retry');
      cell(row, f.error, 'err');
    }
    $('failures-empty').hidden = failures.length > 0;
  }

  // ---- Members ----

  let clusterBusy = false;

  async function refreshCluster() {
    if (clusterBusy) return;
    clusterBusy = true;
    try {
      const response = await fetch('api/cluster', { cache: 'no-store' });
      if (!response.ok) throw new Error(reasonOf(response));
      renderMembers(await response.json());
      $('members-error').hidden = true;
    } catch (error) {
      $('members-error').textContent = `members: ${error.message}`;
      $('members-error').hidden = false;
    } finally {
      clusterBusy = false;
    }
  }

  function renderMembers(c) {
    $('served-by').textContent = `served by node ${c.nodeId}`;
    const body = $('members').tBodies[0];
    body.replaceChildren();
    const leaders = [];
    const name = (m) => m.id || m.raft;
    const members = [...c.members].sort((a, b) => name(a).localeCompare(name(b), 'en', { numeric: true }));
    for (const m of members) {
      const row = body.insertRow();
      const role = m.reachable ? m.role : 'unreachable';
      row.dataset.memberId = m.id || m.raft;
      row.dataset.role = role;
      if (role === 'leader') leaders.push(m.id || m.raft);
      cell(row, `${m.id || m.raft}${m.self ? ' (this node)' : ''}`);
      cell(row, role, m.reachable ? `role-${role}` : 'unreachable').title = m.error || '';
      cell(row, m.status);
      cell(row, m.term, 'num');
      cell(row, m.commitIndex, 'num');
      cell(row, m.appliedIndex, 'num');
      cell(row, m.lag, 'num');
      const apiCell = cell(row, '');
      if (m.api) {
        const link = document.createElement('a');
        link.href = `${m.api}/dashboard/`;
        link.textContent = m.api;
        apiCell.append(link);
      }
    }
    const panel = $('members-panel');
    panel.dataset.members = String(c.members.length);
    panel.dataset.leaders = String(leaders.length);
    $('members-summary').textContent = `${c.members.length} members · leader ${leaders.length === 1 ? leaders[0] : leaders.length === 0 ? 'none' : leaders.join(', ')}`;
  }

  // ---- Timer lookup and cancel, through the timer API. ----

  let shownTimerId = null;

  async function lookUp(id) {
    const message = $('lookup-message');
    message.classList.remove('error');
    message.textContent = 'Looking up…';
    try {
      const response = await fetch(`../timer/${encodeURIComponent(id)}`, { headers: authHeaders(), cache: 'no-store' });
      if (response.status === 401) {
        message.textContent = 'The node asks for the API token.';
        askForToken(() => lookUp(id));
        return;
      }
      if (response.status === 404) {
        $('timer-result').hidden = true;
        shownTimerId = null;
        message.textContent = `No timer ${id}: unknown, or purged after its retention period.`;
        return;
      }
      if (!response.ok) {
        message.classList.add('error');
        message.textContent = reasonOf(response);
        return;
      }
      renderTimer(await response.json());
      message.textContent = '';
    } catch (error) {
      message.classList.add('error');
      message.textContent = error.message;
    }
  }

  function renderTimer(t) {
    shownTimerId = t.id;
    $('timer-result').hidden = false;
    $('timer-id').textContent = t.id;
    const state = $('timer-state');
    state.textContent = t.state;
    state.className = `state state-${t.state}`;
    state.dataset.state = t.state;
    $('timer-version').textContent = String(t.version);
    $('timer-attempts').textContent = String(t.attempts);
    $('timer-created').textContent = t.createdAt;
    $('timer-due').textContent = `${t.dueAt} (${relative(Date.parse(t.dueAt))})`;
    $('timer-callback').textContent = !t.callback ? '–'
      : t.callback.transport === 'http' ? `${String(t.callback.method).toUpperCase()} ${t.callback.uri}`
      : `${t.callback.transport} ${t.callback.uri}`;
    const headers = t.callback && t.callback.headers ? Object.entries(t.callback.headers) : [];
    $('timer-headers').textContent = headers.length ? headers.map(([name, value]) => `${name}: ${value}`).join('; ') : '–';
    $('timer-schedule').textContent = scheduleText(t);
    $('timer-error').textContent = t.lastError || '–';
    const dead = t.deadLetter;
    $('timer-dead-letter').textContent = !dead ? '–'
      : `${dead.state}: ${dead.transport === 'http' ? String(dead.method).toUpperCase() : dead.transport} ${dead.uri}`
        + (dead.attempts ? `, ${dead.attempts} attempt${dead.attempts === 1 ? '' : 's'}` : '')
        + (dead.lastError ? ` (${dead.lastError})` : '');
    $('cancel-area').hidden = t.state !== 'pending';
    $('cancel-confirm').hidden = true;
    $('cancel-timer').hidden = false;
  }

  async function cancelShown() {
    const id = shownTimerId;
    if (!id) return;
    const message = $('lookup-message');
    message.classList.remove('error');
    try {
      const response = await fetch(`../timer/${encodeURIComponent(id)}`, { method: 'DELETE', headers: authHeaders() });
      if (response.status === 401) {
        message.textContent = 'The node asks for the API token.';
        askForToken(cancelShown);
        return;
      }
      if (response.status === 202) {
        message.textContent = `Timer ${id} cancelled; its callback will not be sent.`;
      } else if (response.status === 404) {
        message.textContent = `Timer ${id} is no longer pending: nothing to cancel.`;
      } else {
        message.classList.add('error');
        message.textContent = reasonOf(response);
      }
      const kept = message.textContent;
      await lookUp(id);
      if (!message.textContent) message.textContent = kept;
    } catch (error) {
      message.classList.add('error');
      message.textContent = error.message;
    }
  }

  $('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = $('lookup-id').value.trim();
    if (id) lookUp(id);
  });
  $('cancel-timer').addEventListener('click', () => {
    $('cancel-timer').hidden = true;
    $('cancel-confirm').hidden = false;
  });
  $('cancel-no').addEventListener('click', () => {
    $('cancel-confirm').hidden = true;
    $('cancel-timer').hidden = false;
  });
  $('cancel-yes').addEventListener('click', () => {
    $('cancel-confirm').hidden = true;
    cancelShown();
  });

  // A repeating timer's schedule in one line, with the firing it is at; a dash for a timer that fires once.
  function scheduleText(t) {
    const s = t.schedule;
    if (!s) return '–';
    const parts = [s.cron ? `cron "${s.cron}" in ${s.timeZone}` : `every ${s.every} ms`];
    if (s.count) parts.push(`${s.count} times`);
    if (s.endAt) parts.push(`until ${s.endAt}`);
    parts.push(`misfire ${s.misfire}`, `firing ${t.occurrence}`);
    return parts.join(', ');
  }

  // ---- Live events: GET /events as Server-Sent Events, the newest first, resumed after the last one on a break. ----

  const EVENTS_SHOWN = 50;
  let lastEventId = null;

  function eventDetail(e) {
    const parts = [];
    if (e.dueAt) parts.push(`due ${e.dueAt}`);
    if (e.attempt !== undefined) parts.push(`attempt ${e.attempt}`);
    if (e.error) parts.push(e.error);
    return parts.join(', ');
  }

  function showEvent(e) {
    const row = document.createElement('tr');
    row.dataset.kind = e.kind;
    for (const text of [e.id, e.at, e.kind, e.timerId, String(e.version), eventDetail(e)]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.appendChild(cell);
    }
    const body = $('events').tBodies[0];
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > EVENTS_SHOWN) body.deleteRow(body.rows.length - 1);
    $('events-empty').hidden = true;
  }

  async function followEvents() {
    const headers = authHeaders();
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    try {
      const response = await fetch('../events', { headers, cache: 'no-store' });
      if (response.status === 401) {
        $('events-status').textContent = 'waiting for the API token';
        askForToken(followEvents);
        return;
      }
      if (response.status === 410) {
        // Too far behind what this node keeps: go on from now, and say that some events were not shown.
        lastEventId = null;
        $('events-status').textContent = 'some events were missed; following from now';
        setTimeout(followEvents, 1000);
        return;
      }
      if (!response.ok || !response.body) throw new Error(reasonOf(response));
      $('events-status').textContent = 'live';
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let id = null;
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (id !== null) lastEventId = id;
          if (data) {
            const e = JSON.parse(data);
            if (e.kind) showEvent(e);
          }
        }
      }
      $('events-status').textContent = 'reconnecting…';
    } catch (error) {
      $('events-status').textContent = `reconnecting… (${error.message})`;
    }
    setTimeout(followEvents, 2000);
  }

  // ---- Polling: each loop waits for its request before scheduling the next. ----

  function every(ms, refresh) {
    const run = async () => {
      await refresh();
      setTimeout(run, ms);
    };
    run();
  }

  every(ACTIVITY_EVERY_MS, refreshActivity);
  every(CLUSTER_EVERY_MS, refreshCluster);
  followEvents();
})();

// The CRM dashboard: signs in (access token or email and password through
// the API), or uses the signed links the page was served with, then shows
// the report's key figures and draws every chart with ECharts from this
// server. No inline script: the page's CSP forbids them.
(function () {
  'use strict';

  var body = document.body;
  var errors = [];
  var TOKEN_KEY = 'crm.dashboard.token';

  function byId(id) { return document.getElementById(id); }

  function fail(message) {
    errors.push(message);
    body.setAttribute('data-errors', errors.join(' | '));
    body.setAttribute('data-state', 'error');
    byId('status').textContent = message;
  }

  window.addEventListener('error', function (event) { fail('script error: ' + event.message); });
  document.addEventListener('securitypolicyviolation', function (event) {
    fail('blocked by the content security policy: ' + event.violatedDirective);
  });

  function show(id, visible) { byId(id).hidden = !visible; }

  function token() { return window.sessionStorage.getItem(TOKEN_KEY); }

  function request(url, withToken) {
    var headers = { Accept: 'application/json' };
    if (withToken && token()) { headers.Authorization = 'Bearer ' + token(); }
    return fetch(url, { headers: headers }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error(json.detail || ('HTTP ' + response.status));
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  function isoDate(date) { return date.toISOString().slice(0, 10); }

  function defaultRange() {
    var to = new Date();
    var from = new Date(to.getTime() - 29 * 86400000);
    byId('from').value = byId('from').value || isoDate(from);
    byId('to').value = byId('to').value || isoDate(to);
  }

  function params() {
    var query = new URLSearchParams();
    query.set('from', byId('from').value);
    query.set('to', byId('to').value);
    query.set('granularity', byId('granularity').value);
    query.set('tz', byId('tz').value || 'UTC');
    return query.toString();
  }

  function text(id, value) { byId(id).textContent = value === undefined || value === null ? '–' : String(value); }

  function figures(report) {
    text('kpi-interactions', report.total_interactions);
    text('kpi-conversion', report.conversion_rate);
    text('kpi-new', report.lifecycle.customers.total.new);
    text('kpi-opened', report.tickets.total.opened);
    text('kpi-backlog', report.tickets.total.backlog);
    text('kpi-sent', report.email.total.sent);
    show('kpis', true);
  }

  var drawn = {};

  function draw(name, option) {
    var box = byId('chart-' + name);
    var chart = drawn[name] || echarts.init(box, null, { renderer: 'svg' });
    drawn[name] = chart;
    chart.setOption(option, true);
  }

  function load(reportUrl, chartUrl, withToken) {
    body.setAttribute('data-state', 'loading');
    byId('status').textContent = 'Loading…';
    var names = Array.prototype.map.call(document.querySelectorAll('[data-chart]'), function (el) {
      return el.getAttribute('data-chart');
    });
    show('charts', true);
    var work = [request(reportUrl, withToken).then(figures)].concat(names.map(function (name) {
      return request(chartUrl(name), withToken).then(function (option) { draw(name, option); });
    }));
    return Promise.all(work).then(function () {
      if (errors.length === 0) {
        body.setAttribute('data-state', 'ready');
        body.setAttribute('data-charts', String(names.length));
        byId('status').textContent = '';
      }
    }, function (error) {
      if (error.status === 401 && withToken) {
        window.sessionStorage.removeItem(TOKEN_KEY);
        signIn('Your session has ended; sign in again.');
        return;
      }
      fail(error.message);
    });
  }

  function showDashboard() {
    show('signin', false);
    show('controls', true);
    defaultRange();
    var query = params();
    return load('/api/reports?' + query, function (name) {
      return '/api/reports/charts/' + name + '.json?' + query;
    }, true);
  }

  function signIn(message) {
    show('controls', false);
    show('kpis', false);
    show('charts', false);
    show('signin', true);
    body.setAttribute('data-state', 'signin');
    byId('signin-error').textContent = message || '';
  }

  function useToken(value) {
    window.sessionStorage.setItem(TOKEN_KEY, value.trim());
    showDashboard();
  }

  byId('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    useToken(byId('token').value);
  });

  byId('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ email: byId('email').value, password: byId('password').value })
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw new Error(json.detail || 'Sign-in failed.'); }
        useToken(json.access_token);
      });
    }).catch(function (error) { signIn(error.message); });
  });

  byId('range-form').addEventListener('submit', function (event) {
    event.preventDefault();
    showDashboard();
  });

  byId('signout').addEventListener('click', function () {
    window.sessionStorage.removeItem(TOKEN_KEY);
    signIn('');
  });

  window.addEventListener('resize', function () {
    Object.keys(drawn).forEach(function (name) { drawn[name].resize(); });
  });

  // A token in the fragment (#token=…) is taken and removed from the address.
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  if (fragment.get('token')) {
    window.sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  var signedReport = body.getAttribute('data-signed-report');
  if (signedReport) {
    var charts = JSON.parse(body.getAttribute('data-signed-charts'));
    load(signedReport, function (name) { return charts[name]; }, false);
  } else if (token()) {
    showDashboard();
  } else {
    signIn('');
  }
})();

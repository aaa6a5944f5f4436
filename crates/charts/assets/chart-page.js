// Draws the chart of a crm-charts HTML page: the ECharts option is the JSON
// data block #chart-option, the size the data attributes of #chart. A file
// of its own (not an inline script), so pages can forbid inline scripts.
(function () {
  'use strict';
  var box = document.getElementById('chart');
  var data = document.getElementById('chart-option');
  if (!box || !data || typeof echarts === 'undefined') {
    document.documentElement.setAttribute('data-chart', 'failed');
    return;
  }
  document.body.style.margin = '0';
  document.body.style.background = '#ffffff';
  box.style.width = '100%';
  box.style.maxWidth = box.getAttribute('data-width') + 'px';
  box.style.height = box.getAttribute('data-height') + 'px';
  box.style.margin = '0 auto';
  var chart = echarts.init(box, null, { renderer: 'svg' });
  chart.setOption(JSON.parse(data.textContent));
  window.addEventListener('resize', function () { chart.resize(); });
  document.documentElement.setAttribute('data-chart', 'drawn');
})();

//! One metric's series as CSV.

use crm_analytics::series::MetricSeries;

/// `period,start,end,<columns…>` then a line per period: counts as digits,
/// rates with `%`, missing numbers empty.
pub fn series_csv(series: &MetricSeries) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(series.header())?;
    for row in &series.rows {
        let mut record = vec![
            row.period.clone(),
            row.start.to_rfc3339(),
            row.end.to_rfc3339(),
        ];
        record.extend(row.values.iter().map(ToString::to_string));
        writer.write_record(&record)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

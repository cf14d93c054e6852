-- Public holidays of Ukraine (Labour Code art. 73) for 2025-2027, as local
-- dates. Under martial law (Law No. 2136-IX) these days are working days
-- unless the authorities decide otherwise, so a city includes this list only
-- when its council keeps the holidays as days off; the list is data, the
-- decision is the city's.

return {
  -- 2025
  "2025-01-01", "2025-03-08", "2025-04-20", "2025-05-01", "2025-05-08", "2025-06-08",
  "2025-06-28", "2025-07-15", "2025-08-24", "2025-10-01", "2025-12-25",
  -- 2026 (Easter 12 April, Trinity 31 May)
  "2026-01-01", "2026-03-08", "2026-04-12", "2026-05-01", "2026-05-08", "2026-05-31",
  "2026-06-28", "2026-07-15", "2026-08-24", "2026-10-01", "2026-12-25",
  -- 2027 (Easter 2 May, Trinity 20 June)
  "2027-01-01", "2027-03-08", "2027-05-01", "2027-05-02", "2027-05-08", "2027-06-20",
  "2027-06-28", "2027-07-15", "2027-08-24", "2027-10-01", "2027-12-25",
}

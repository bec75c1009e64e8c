import React from "react";
import { BarChart, Flex, LineChart, LoadingSpinner, Statistics, StatisticsItem, Text } from "@hubspot/ui-extensions";
import type { CallOverview as Overview } from "../shared/api.js";
import { backend } from "../shared/backend.js";
import { humanise } from "../shared/format.js";
import { LoadError } from "../shared/LoadError.js";
import { useLoaded } from "../shared/useLoaded.js";

// The top of the Calls tab: the last 30 days at a glance (GET /ui/v1/call-log/overview), in the UI
// kit's own Statistics and charts, from the app's own data (one aggregate query per chart).

/** "2030-01-05" as the charts' category axis shows it: "Jan 5". */
const dayLabel = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

const SENTIMENT_COLORS = { positive: "green", neutral: "blue", negative: "orange" } as const;

export function CallOverview() {
  const { data, error, reload } = useLoaded(() => backend<Overview>("/ui/v1/call-log/overview"));
  if (error) return <LoadError what="the overview" message={error} onRetry={() => void reload()} />;
  if (!data) return <LoadingSpinner label="Loading the overview" />;
  const { totals } = data;
  return (
    <Flex direction="column" gap="md">
      <Statistics>
        <StatisticsItem label={`Calls, last ${data.days} days`} number={totals.calls} />
        <StatisticsItem label="In HubSpot" number={totals.synced} />
        <StatisticsItem label="Bookings made" number={totals.bookings} />
        <StatisticsItem label="Escalations" number={totals.escalations} />
        <StatisticsItem label="New contacts" number={totals.newContacts} />
        <StatisticsItem label="Need attention" number={totals.failing}>
          <Text variant="microcopy">in the fallback queue or waiting for re-authorisation</Text>
        </StatisticsItem>
      </Statistics>
      {totals.calls === 0 ? (
        <Text>No calls in the last {data.days} days: the charts fill in as calls arrive.</Text>
      ) : (
        <>
          <BarChart
            data={data.perDay.map((row) => ({ day: dayLabel(row.day), disposition: humanise(row.disposition), calls: row.calls }))}
            axes={{ x: { field: "day", fieldType: "category", label: "Day" }, y: { field: "calls", fieldType: "linear", label: "Calls" }, options: { groupFieldByColor: "disposition", stacking: true } }}
            options={{ title: `Calls per day by disposition (${data.timezone})`, showLegend: true, showTooltips: true }}
          />
          {data.sentiment.length > 0 && (
            <LineChart
              data={data.sentiment.map((row) => ({ day: dayLabel(row.day), sentiment: row.sentiment, calls: row.calls }))}
              axes={{ x: { field: "day", fieldType: "category", label: "Day" }, y: { field: "calls", fieldType: "linear", label: "Calls" }, options: { groupFieldByColor: "sentiment", colors: SENTIMENT_COLORS } }}
              options={{ title: "Caller sentiment per day", showLegend: true, showTooltips: true }}
            />
          )}
        </>
      )}
    </Flex>
  );
}

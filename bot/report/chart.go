package report

import (
	"fmt"
	"image/color"
	"strconv"

	"github.com/followup-bot/followup/bot/report/barchart"
)

// maxChartCadences bounds the bars of the chart: more groups would be unreadable. The busiest
// cadences are drawn; the message names the rest.
const maxChartCadences = 6

// chartPalette is a colour-blind-friendly palette (Okabe–Ito).
var chartPalette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255},
	{204, 121, 167, 255}, {86, 180, 233, 255}, {213, 94, 0, 255},
}

// ChartPNG draws the reply rate per step of the busiest cadences since the start as a PNG: one
// group of bars per step, one bar per cadence. It returns nil and no error when there is nothing
// to draw (no touches yet).
func (v View) ChartPNG() ([]byte, error) {
	ids := v.cadenceOrder()
	var drawn []string
	maxStep := 0
	for _, id := range ids {
		c, _ := v.Report.AllTime.Cadence(id)
		touched := false
		for _, st := range c.Steps {
			if st.Touches > 0 {
				touched = true
				maxStep = max(maxStep, st.Step+1)
			}
		}
		if touched {
			drawn = append(drawn, id)
		}
		if len(drawn) == maxChartCadences {
			break
		}
	}
	if len(drawn) == 0 {
		return nil, nil
	}
	maxStep = min(maxStep, 12)

	names := make([]string, maxStep)
	for i := range names {
		names[i] = strconv.Itoa(i + 1)
	}
	chart := barchart.Chart{Title: "Reply rate per step, since the start (replies / touches)",
		XLabel: "step", YLabel: "reply rate (%)", Groups: names}
	for i, id := range drawn {
		c, _ := v.Report.AllTime.Cadence(id)
		vals := make([]float64, maxStep)
		for _, st := range c.Steps {
			if st.Step < maxStep && st.Touches > 0 {
				vals[st.Step] = 100 * float64(st.Replies) / float64(st.Touches)
			}
		}
		chart.Series = append(chart.Series, barchart.Series{Name: v.cadenceName(id), Color: chartPalette[i%len(chartPalette)], Values: vals})
	}
	png, err := chart.PNG()
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return png, nil
}

// Chart is the reply-rate chart as a file to share beside the report's message.
type Chart struct {
	PNG      []byte
	Filename string
	Title    string
	AltText  string
}

// Chart draws the chart (ChartPNG) with its file name, title and alternative text; nil and no
// error when there is nothing to draw.
func (v View) Chart() (*Chart, error) {
	png, err := v.ChartPNG()
	if err != nil || png == nil {
		return nil, err
	}
	return &Chart{
		PNG:      png,
		Filename: "reply-rate-per-step.png",
		Title:    "Reply rate per step · " + v.PeriodLabel(),
		AltText:  "Bar chart of the reply rate of each step of the busiest cadences, since the start",
	}, nil
}

package report

import (
	"bytes"
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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

	p := plot.New()
	p.Title.Text = "Reply rate per step, since the start (replies / touches)"
	p.Y.Label.Text = "reply rate (%)"
	p.X.Label.Text = "step"
	p.Y.Min = 0
	p.Legend.Top = true
	names := make([]string, maxStep)
	for i := range names {
		names[i] = strconv.Itoa(i + 1)
	}
	w := vg.Points(float64(60) / float64(len(drawn)))
	for i, id := range drawn {
		c, _ := v.Report.AllTime.Cadence(id)
		vals := make(plotter.Values, maxStep)
		for _, st := range c.Steps {
			if st.Step < maxStep && st.Touches > 0 {
				vals[st.Step] = 100 * float64(st.Replies) / float64(st.Touches)
			}
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		bars.LineStyle.Width = 0
		bars.Color = chartPalette[i%len(chartPalette)]
		bars.Offset = w * vg.Length(float64(i)-float64(len(drawn)-1)/2)
		p.Add(bars)
		p.Legend.Add(v.cadenceName(id), bars)
	}
	p.NominalX(names...)
	p.Add(plotter.NewGrid())

	wt, err := p.WriterTo(8*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return buf.Bytes(), nil
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

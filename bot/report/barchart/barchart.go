// Package barchart draws a grouped bar chart as a PNG with the standard library's image packages
// and a bitmap font: the weekly report's one chart (the reply rate per step of the busiest
// cadences). It used to be drawn with gonum.org/v1/plot, whose package init parses twelve embedded
// TrueType fonts in every process that links it, report or not; that alone cost the idle bot
// about 7 MB of memory for a picture drawn once a week.
package barchart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Series is one bar in every group: a name for the legend, a colour and a value per group.
type Series struct {
	Name   string
	Color  color.RGBA
	Values []float64 // one per group; missing values count as 0; negative or NaN values as 0
}

// Chart is a grouped bar chart: Groups along the x axis, one bar per Series in each group, the
// y axis from 0 to a round number at or above the largest value.
type Chart struct {
	Title, XLabel, YLabel string
	Groups                []string
	Series                []Series
	Width, Height         int // pixels; 0 means 800 × 400
}

const (
	maxSide   = 4000
	maxGroups = 64
	maxSeries = 16
)

var (
	ink  = color.RGBA{0x33, 0x33, 0x33, 0xff}
	grid = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
)

// PNG draws the chart. It fails only on a chart that cannot be drawn: no groups or series, more
// than 64 groups or 16 series, or a size beyond 4000 pixels a side.
func (c Chart) PNG() ([]byte, error) {
	w, h := c.Width, c.Height
	if w == 0 && h == 0 {
		w, h = 800, 400
	}
	switch {
	case len(c.Groups) == 0 || len(c.Series) == 0:
		return nil, errors.New("barchart: nothing to draw")
	case len(c.Groups) > maxGroups || len(c.Series) > maxSeries:
		return nil, fmt.Errorf("barchart: %d groups and %d series is more than a chart can show", len(c.Groups), len(c.Series))
	case w < 200 || h < 150 || w > maxSide || h > maxSide:
		return nil, fmt.Errorf("barchart: a %d×%d chart cannot be drawn", w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	lineH := face.Metrics().Height.Ceil()

	top := 10 + lineH + 8 // the title
	legendRows := 0
	if len(c.Series) > 1 {
		legendRows = (len(c.Series) + 2) / 3
		top += legendRows*(lineH+4) + 4
	}
	ymax := niceMax(c.maxValue())
	ticks := 5
	labelW := 0
	for i := 0; i <= ticks; i++ {
		labelW = max(labelW, textWidth(face, tickLabel(ymax*float64(i)/float64(ticks))))
	}
	left := 10 + lineH + 6 + labelW + 6 // the y label (drawn down the side), the tick labels
	right := w - 12
	bottom := h - (10 + lineH + 6 + lineH + 6) // the x label, the group labels
	if right-left < 50 || bottom-top < 50 {
		return nil, fmt.Errorf("barchart: a %d×%d chart is too small for its labels", w, h)
	}

	drawText(img, face, (w-textWidth(face, c.Title))/2, 10+lineH-3, c.Title, ink)
	for i, s := range c.Series {
		if legendRows == 0 {
			break
		}
		col, row := i%3, i/3
		x := left + col*((right-left)/3)
		y := 10 + lineH + 8 + row*(lineH+4)
		fill(img, image.Rect(x, y+2, x+lineH-4, y+lineH-2), s.Color)
		drawText(img, face, x+lineH, y+lineH-3, clip(face, s.Name, (right-left)/3-lineH-6), ink)
	}
	// The y axis: grid lines at the ticks, with their labels.
	for i := 0; i <= ticks; i++ {
		y := bottom - int(math.Round(float64(bottom-top)*float64(i)/float64(ticks)))
		fill(img, image.Rect(left, y, right, y+1), grid)
		lbl := tickLabel(ymax * float64(i) / float64(ticks))
		drawText(img, face, left-6-textWidth(face, lbl), y+lineH/2-3, lbl, ink)
	}
	drawVertical(img, face, 10, (top+bottom)/2, c.YLabel, ink)
	// The bars, one group per slot, with a gap of a third of a bar between groups.
	slot := float64(right-left) / float64(len(c.Groups))
	barW := slot / (float64(len(c.Series)) + 1)
	for g, name := range c.Groups {
		x0 := float64(left) + slot*float64(g) + barW/2
		for i, s := range c.Series {
			v := 0.0
			if g < len(s.Values) && s.Values[g] > 0 && !math.IsInf(s.Values[g], 0) {
				v = s.Values[g]
			}
			bh := int(math.Round(float64(bottom-top) * v / ymax))
			bx := int(math.Round(x0 + barW*float64(i)))
			fill(img, image.Rect(bx, bottom-bh, int(math.Round(x0+barW*float64(i+1))), bottom), s.Color)
		}
		lbl := clip(face, name, int(slot)-2)
		drawText(img, face, int(float64(left)+slot*(float64(g)+0.5))-textWidth(face, lbl)/2, bottom+6+lineH-3, lbl, ink)
	}
	fill(img, image.Rect(left, top, left+1, bottom+1), ink)
	fill(img, image.Rect(left, bottom, right, bottom+1), ink)
	drawText(img, face, (left+right-textWidth(face, c.XLabel))/2, h-10-3, c.XLabel, ink)

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("barchart: %w", err)
	}
	return buf.Bytes(), nil
}

func (c Chart) maxValue() float64 {
	m := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > m && !math.IsInf(v, 0) {
				m = v
			}
		}
	}
	return m
}

// niceMax rounds the largest value up to 1, 2, 2.5 or 5 times a power of ten, so the five ticks
// fall on round numbers; an empty chart gets an axis to 1.
func niceMax(v float64) float64 {
	if !(v > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}

func textWidth(face font.Face, s string) int { return font.MeasureString(face, s).Ceil() }

// clip shortens s with an ellipsis to fit width pixels.
func clip(face font.Face, s string, width int) string {
	if textWidth(face, s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(face, string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	if len(r) == 0 {
		return ""
	}
	return string(r) + "…"
}

func drawText(img draw.Image, face font.Face, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// drawVertical writes s upwards, centred on y, its baseline at x + the font's height: the y axis
// label, drawn on its own image and turned a quarter.
func drawVertical(img *image.RGBA, face font.Face, x, y int, s string, c color.Color) {
	if s == "" {
		return
	}
	lineH := face.Metrics().Height.Ceil()
	tw := textWidth(face, s)
	tmp := image.NewRGBA(image.Rect(0, 0, tw, lineH))
	drawText(tmp, face, 0, lineH-3, s, c)
	y0 := y + tw/2
	for ty := 0; ty < lineH; ty++ {
		for tx := 0; tx < tw; tx++ {
			if _, _, _, a := tmp.At(tx, ty).RGBA(); a > 0 {
				img.Set(x+ty, y0-tx, tmp.At(tx, ty))
			}
		}
	}
}

package barchart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

var (
	blue   = color.RGBA{0, 114, 178, 255}
	orange = color.RGBA{230, 159, 0, 255}
)

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// plotTop is below the title and the one row of legend the tests' charts have.
const plotTop = 50

// column returns the rows of x below the legend where the image has colour c, top to bottom.
func column(img image.Image, x int, c color.RGBA) (first, last, n int) {
	first = -1
	for y := plotTop; y < img.Bounds().Max.Y; y++ {
		if color.RGBAModel.Convert(img.At(x, y)) == c {
			if first < 0 {
				first = y
			}
			last = y
			n++
		}
	}
	return first, last, n
}

// find returns the x of the first column that has colour c, from the left.
func find(img image.Image, c color.RGBA) int {
	b := img.Bounds()
	for x := b.Min.X; x < b.Max.X; x++ {
		if _, _, n := column(img, x, c); n > 0 {
			return x
		}
	}
	return -1
}

// The bars' heights are in proportion to their values, on a shared baseline, the first series left
// of the second in each group.
func TestBarsInProportion(t *testing.T) {
	b, err := Chart{Title: "Reply rate per step", XLabel: "step", YLabel: "reply rate (%)",
		Groups: []string{"1", "2"},
		Series: []Series{{Name: "Demo", Color: blue, Values: []float64{40, 10}}, {Name: "Proposal", Color: orange, Values: []float64{20}}},
	}.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b)
	if img.Bounds().Dx() != 800 || img.Bounds().Dy() != 400 {
		t.Fatalf("size %v, want 800×400", img.Bounds())
	}
	xb, xo := find(img, blue), find(img, orange)
	if xb < 0 || xo < 0 || xo <= xb {
		t.Fatalf("blue bar at x=%d, orange at x=%d: want both, blue first", xb, xo)
	}
	_, lastB, nB := column(img, xb+3, blue)
	_, lastO, nO := column(img, xo+3, orange)
	if lastB != lastO {
		t.Errorf("bars end at y=%d and y=%d: want one baseline", lastB, lastO)
	}
	// 40 is the axis' top (niceMax(40) = 40) and 20 half of it.
	if ratio := float64(nB) / float64(nO); math.Abs(ratio-2) > 0.05 {
		t.Errorf("bar heights %d and %d px: ratio %.2f, want 2", nB, nO, ratio)
	}
}

func TestNiceMax(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0, 1}, {-3, 1}, {math.NaN(), 1}, {0.3, 0.5}, {1, 1}, {7, 10}, {12, 20}, {21, 25}, {40, 50}, {100, 100}, {101, 200},
	} {
		if got := niceMax(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("niceMax(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// Bad values are drawn as nothing, never as a crash or a bar off the chart.
func TestOddValues(t *testing.T) {
	b, err := Chart{Groups: []string{"1", "2", "3", "4"}, Series: []Series{{Name: strings.Repeat("long name ", 40), Color: blue,
		Values: []float64{math.NaN(), math.Inf(1), -5, 0}}}}.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if x := find(decode(t, b), blue); x >= 0 {
		t.Errorf("a bar drawn at x=%d for NaN, +Inf, a negative and 0", x)
	}
}

func TestRefusesWhatCannotBeDrawn(t *testing.T) {
	many := make([]string, 65)
	for _, c := range []Chart{
		{},
		{Groups: []string{"1"}},
		{Series: []Series{{Name: "a"}}},
		{Groups: many, Series: []Series{{Name: "a"}}},
		{Groups: []string{"1"}, Series: []Series{{Name: "a"}}, Width: 5000, Height: 400},
		{Groups: []string{"1"}, Series: []Series{{Name: "a"}}, Width: 100, Height: 100},
	} {
		if b, err := c.PNG(); err == nil || b != nil {
			t.Errorf("%+v: drawn (%d bytes, err %v), want an error", c, len(b), err)
		}
	}
}

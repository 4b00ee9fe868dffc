package listen

import (
	"errors"
	"io"
	"sync"
)

// ErrTooLarge is a body longer than the limit given to Budget.Read.
var ErrTooLarge = errors.New("body larger than the limit")

// ErrBusy is a body refused because the budget is spent: the bodies of
// other requests hold every byte it allows. Trying again shortly may
// work.
var ErrBusy = errors.New("too many bodies held in memory at once")

// minRead is the first buffer Budget.Read allocates.
const minRead = 512

// Budget bounds the bytes of bodies a server holds in memory at once, all
// requests together, so that many slow uploads cannot take more memory
// than it allows however many connections are open: 200 uploads stalled
// just short of a 1 MiB limit held 252 MB before it. It is safe for
// concurrent use.
type Budget struct {
	max int64

	mu   sync.Mutex
	used int64
}

// NewBudget returns a budget of max bytes.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// Used returns the bytes held now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

func (b *Budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *Budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// Read reads r to its end into memory charged to b, and returns the bytes
// and the function that gives them back to the budget: call it once the
// body is no longer held. Memory is charged as the buffer grows, by its
// capacity, so a body arriving slowly holds only what has arrived (and
// at most as much again). It fails with ErrTooLarge past limit bytes,
// with ErrBusy when the next growth does not fit the budget, or with
// r's error; on failure nothing stays charged.
func (b *Budget) Read(r io.Reader, limit int64) ([]byte, func(), error) {
	var buf []byte
	var held int64
	var once sync.Once
	release := func() { once.Do(func() { b.give(held) }) }
	fail := func(err error) ([]byte, func(), error) {
		release()
		return nil, func() {}, err
	}
	for {
		if len(buf) == cap(buf) {
			next := min(max(2*int64(cap(buf)), minRead), limit+1)
			if next <= int64(cap(buf)) {
				return fail(ErrTooLarge)
			}
			if !b.take(next - held) {
				return fail(ErrBusy)
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf, held = grown, next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return fail(ErrTooLarge)
		}
		switch {
		case errors.Is(err, io.EOF):
			return buf, release, nil
		case err != nil:
			return fail(err)
		}
	}
}

package runlog

// ID is the history id of a run, known once its row is created.
type ID struct {
	done chan struct{}
	id   int64
	err  error
}

// NewID returns an ID not known yet.
func NewID() *ID { return &ID{done: make(chan struct{})} }

// Resolve makes the ID known: id, or err when the row could not be
// created. It is called once.
func (p *ID) Resolve(id int64, err error) {
	p.id, p.err = id, err
	close(p.done)
}

// Peek returns the id if known yet, else 0.
func (p *ID) Peek() int64 {
	select {
	case <-p.done:
		return p.id
	default:
		return 0
	}
}

// Wait returns the id once known (0 with an error if the row could not be
// created).
func (p *ID) Wait() (int64, error) {
	<-p.done
	return p.id, p.err
}

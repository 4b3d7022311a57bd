// A dynamic query's sort is one of the choices its file declares; nothing else can be sent.
use quarry_tests::dynamic::tickets::{SearchTicketsOptions, SearchTicketsSort};

fn main() {
    let _ = SearchTicketsOptions {
        sort: SearchTicketsSort::Assignee,
        ..Default::default()
    };
}

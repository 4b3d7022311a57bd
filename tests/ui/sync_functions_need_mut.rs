// The blocking flavour needs `&mut` access to the connection.
use quarry_tests::blocking::tasks;

fn run(client: &quarry::sync::Client) {
    let _ = tasks::count_tasks(client, None);
}

fn main() {}
